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
        // The names of /proc/self/fd read with getdents64 into a stack buffer: this runs on psc-shim's start path,
        // where .NET's directory enumeration (its first use in the process) cost ~0.5 ms. All names are read before
        // anything is closed, since closing while reading could make the listing skip an entry.
        List<int> inherited = [];
        using (SafeFd directory = SafeFd.Open("/proc/self/fd", O_RDONLY | O_DIRECTORY))
        {
            byte* buffer = stackalloc byte[4096];
            nint length;
            while ((length = Interop.LibC.getdents64(directory.Fd, buffer, 4096)) > 0)
            {
                for (nint offset = 0; offset < length; offset += *(ushort*)(buffer + offset + Interop.LibC.Dirent64RecLenOffset))
                {
                    if (ParseNumber(buffer + offset + Interop.LibC.Dirent64NameOffset) is int fd && fd >= first && fd != directory.Fd)
                    {
                        inherited.Add(fd);
                    }
                }
            }

            if (length < 0)
            {
                throw LinuxException.FromLastError("getdents64", "/proc/self/fd");
            }
        }

        foreach (int fd in inherited)
        {
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0)
            {
                close(fd);
            }
        }
    }

    /// <summary>A NUL-terminated name of decimal digits as a number; null for anything else ("." and "..").</summary>
    private static int? ParseNumber(byte* name)
    {
        long value = 0;
        int i = 0;
        for (; name[i] != 0; i++)
        {
            if (name[i] is < (byte)'0' or > (byte)'9' || i >= 9)
            {
                return null;
            }

            value = (value * 10) + (name[i] - '0');
        }

        return i == 0 ? null : (int)value;
    }
}
