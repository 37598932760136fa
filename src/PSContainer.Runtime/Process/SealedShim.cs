using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Process;

/// <summary>
/// runc's exeseal (CVE-2019-5736), for psc-shim: the engine never executes the shim binary on disk. It copies it
/// once per process into a memory file, seals it against every change (write, grow, shrink, further seals, mode),
/// and starts every shim from that copy through /proc/&lt;engine pid&gt;/fd/&lt;n&gt;. A process in a container that
/// reaches a shim through /proc/&lt;pid&gt;/exe (the minimal init is PID 1 there; an exec's child is visible until it
/// execs) finds the sealed copy, never a host file it could overwrite.
/// </summary>
/// <remarks>
/// The copy is cached per binary and changes when the file does (size or modification time), so a rebuilt shim is
/// picked up. The descriptor is close-on-exec: children see the copy only through the path they are started with.
/// </remarks>
public static unsafe class SealedShim
{
    private static readonly ConcurrentDictionary<string, (DateTime Modified, long Size, SafeFd Copy)> Copies = new();
    private static readonly object Gate = new();

    /// <summary>The path to execute instead of <paramref name="shimPath"/>.</summary>
    public static string PathFor(string shimPath)
    {
        FileInfo file = new(shimPath);
        if (!file.Exists)
        {
            throw ContainerRuntimeException.NotFound("ShimNotFound", $"psc-shim {shimPath}: not found", shimPath);
        }

        lock (Gate)
        {
            if (!Copies.TryGetValue(file.FullName, out var cached) || cached.Modified != file.LastWriteTimeUtc || cached.Size != file.Length)
            {
                // A replaced copy stays open: a shim being started from it right now must still find it.
                cached = (file.LastWriteTimeUtc, file.Length, Seal(file.FullName));
                Copies[file.FullName] = cached;
            }

            return "/proc/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "/fd/" +
                cached.Copy.Fd.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static SafeFd Seal(string path)
    {
        SafeFd copy = Create();
        try
        {
            using (FileStream source = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
            using (FileStream target = new(new Microsoft.Win32.SafeHandles.SafeFileHandle(copy.DangerousGetHandle(), ownsHandle: false), FileAccess.Write, 1))
            {
                source.CopyTo(target, 1 << 20);
            }

            int seals = Sys.F_SEAL_SEAL | Sys.F_SEAL_SHRINK | Sys.F_SEAL_GROW | Sys.F_SEAL_WRITE;
            if (fcntl(copy.Fd, Sys.F_ADD_SEALS, seals | Sys.F_SEAL_EXEC) < 0 &&
                (Marshal.GetLastPInvokeError() != Errno.EINVAL || fcntl(copy.Fd, Sys.F_ADD_SEALS, seals) < 0))
            {
                throw LinuxException.FromLastError("fcntl F_ADD_SEALS", path);
            }

            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static SafeFd Create()
    {
        fixed (byte* name = "psc-shim\0"u8)
        {
            int fd = memfd_create(name, Sys.MFD_CLOEXEC | Sys.MFD_ALLOW_SEALING | Sys.MFD_EXEC);
            if (fd < 0 && Marshal.GetLastPInvokeError() == Errno.EINVAL)
            {
                fd = memfd_create(name, Sys.MFD_CLOEXEC | Sys.MFD_ALLOW_SEALING); // before Linux 6.3
            }

            return fd >= 0 ? new SafeFd(fd) : throw LinuxException.FromLastError("memfd_create", "psc-shim");
        }
    }
}
