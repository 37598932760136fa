using System.Globalization;
using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>The calling process's descriptor table.</summary>
public static class FileDescriptors
{
    /// <summary>
    /// Marks every descriptor from <paramref name="first"/> up close-on-exec (runc's closeExecFrom), so only
    /// stdio reaches the payload. CLOEXEC rather than close: the runtime may still be using some of them, and
    /// a descriptor we still need until the exec (the error pipe) stays usable.
    /// </summary>
    public static void CloseOnExecFrom(int first)
    {
        if (Sys.close_range((uint)first, uint.MaxValue, Sys.CLOSE_RANGE_CLOEXEC) == 0)
        {
            return;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno != Errno.ENOSYS && errno != Errno.EINVAL)
        {
            throw new LinuxException(errno, "close_range");
        }

        // Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC: walk /proc/self/fd instead.
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) &&
                fd >= first && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && Marshal.GetLastPInvokeError() != EBADF)
            {
                throw LinuxException.FromLastError("fcntl F_SETFD", fd.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
