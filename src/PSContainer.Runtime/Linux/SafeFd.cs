using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// An owned file descriptor. Everything is opened with O_CLOEXEC (see <see cref="Open"/>), so nothing leaks
/// into a process that Process.Start or execve runs, except the descriptors that are meant to be inherited.
/// </summary>
public sealed unsafe class SafeFd : SafeHandle
{
    public SafeFd()
        : base(-1, ownsHandle: true)
    {
    }

    public SafeFd(int fd, bool ownsHandle = true)
        : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => (long)handle < 0;

    /// <summary>The descriptor number (valid while this object is alive and not disposed).</summary>
    public int Fd => (int)handle;

    /// <summary>A path that names this descriptor's file for calls that only take paths (mount(2) targets).</summary>
    public string ProcPath => "/proc/self/fd/" + Fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>open(2) with O_CLOEXEC added; <paramref name="flags"/> are the usual O_* values.</summary>
    public static SafeFd Open(string path, int flags, uint mode = 0) => OpenAt(AT_FDCWD, path, flags, mode);

    /// <summary>An O_PATH descriptor: names a file or directory without opening it for I/O (for fchdir, *at calls, mounts).</summary>
    public static SafeFd OpenPath(string path, bool directory) =>
        Open(path, O_PATH | (directory ? O_DIRECTORY : 0));

    /// <summary>openat(2) relative to <paramref name="dir"/>, with O_CLOEXEC added.</summary>
    public static SafeFd OpenAt(SafeFd dir, string path, int flags, uint mode = 0) => OpenAt(dir.Fd, path, flags, mode);

    internal static SafeFd OpenAt(int dirFd, string path, int flags, uint mode)
    {
        int fd;
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            fd = openat(dirFd, p, flags | O_CLOEXEC, (ushort)mode);
        }

        if (fd < 0)
        {
            throw LinuxException.FromLastError("open", path);
        }

        return new SafeFd(fd);
    }

    /// <summary>Writes all of <paramref name="data"/>, retrying on EINTR and short writes.</summary>
    public void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                long n = write(Fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR)
                    {
                        continue;
                    }

                    throw LinuxException.FromLastError("write");
                }

                done += (int)n;
            }
        }
    }

    /// <summary>Reads until end of file (or <paramref name="limit"/> bytes), retrying on EINTR.</summary>
    public byte[] ReadToEnd(int limit = 64 * 1024)
    {
        byte[] buffer = new byte[Math.Min(limit, 4096)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total >= limit)
                {
                    break;
                }

                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
            }

            long n;
            fixed (byte* p = buffer)
            {
                n = read(Fd, p + total, buffer.Length - total);
            }

            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR)
                {
                    continue;
                }

                throw LinuxException.FromLastError("read");
            }

            if (n == 0)
            {
                break;
            }

            total += (int)n;
        }

        return buffer.AsSpan(0, total).ToArray();
    }

    /// <summary>Sets or clears FD_CLOEXEC: inherited descriptors must have it cleared before Process.Start.</summary>
    public void SetCloseOnExec(bool value)
    {
        if (fcntl(Fd, F_SETFD, value ? FD_CLOEXEC : 0) < 0)
        {
            throw LinuxException.FromLastError("fcntl F_SETFD");
        }
    }

    protected override bool ReleaseHandle() => close((int)handle) == 0;
}
