using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// read(2) and write(2) on descriptors that no .NET stream owns, or that one owns but must not buffer (the pipes
/// psc-shim relays). Retries EINTR; reports the end of a peer (EPIPE) as a result rather than an exception.
/// </summary>
public static unsafe class RawIo
{
    /// <summary>One read(2): the number of bytes read, 0 at end of file.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                long n = read(fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw new LinuxException(errno, "read");
                }
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/>; false when the reader has gone (EPIPE: SIGPIPE is ignored by .NET).</summary>
    public static bool WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                long n = write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    return errno == EPIPE ? false : throw new LinuxException(errno, "write");
                }

                done += (int)n;
            }
        }

        return true;
    }

    /// <summary>Opens a file for appending (O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC): each write lands at the end, whole.</summary>
    public static SafeFd OpenAppend(string path, uint mode) => SafeFd.Open(path, O_WRONLY | O_APPEND | O_CREAT, mode);
}
