using System.Globalization;
using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>The calling process's standard descriptors and what it inherited: what a daemon does to let go of its starter.</summary>
public static unsafe class Stdio
{
    /// <summary>Points each of <paramref name="fds"/> (0, 1, 2) at /dev/null, so the process no longer holds what they were.</summary>
    public static void RedirectToNull(params ReadOnlySpan<int> fds)
    {
        using SafeFd devNull = SafeFd.Open("/dev/null", O_RDWR);
        foreach (int fd in fds)
        {
            while (dup2(devNull.Fd, fd) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw new LinuxException(errno, "dup2", "/dev/null");
                }
            }
        }
    }

    /// <summary>A close-on-exec copy of <paramref name="fd"/>, numbered 3 or above.</summary>
    public static SafeFd Duplicate(int fd)
    {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        return copy >= 0 ? new SafeFd(copy) : throw LinuxException.FromLastError("fcntl F_DUPFD_CLOEXEC", fd.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Closes every descriptor from <paramref name="first"/> up that is not close-on-exec: those were inherited
    /// by accident (the .NET runtime opens everything CLOEXEC, so none of them are its own). A long-lived process
    /// holding, say, the write end of its grandparent's output pipe would keep that reader waiting forever.
    /// </summary>
    public static void CloseInherited(int first)
    {
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || fd < first)
            {
                continue;
            }

            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0)
            {
                close(fd);
            }
        }
    }
}
