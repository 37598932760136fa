using PSContainer.Runtime.Linux.Interop;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>poll(2) over raw descriptors, for the synchronous loops of psc-shim and for pidfds.</summary>
public static unsafe class Poller
{
    /// <summary>
    /// Polls <paramref name="fds"/> for input; fills <paramref name="revents"/> and returns how many are ready
    /// (0 on timeout, -1 when a signal interrupted the wait: poll again). A negative descriptor is skipped, as
    /// poll(2) does.
    /// </summary>
    public static int WaitAny(ReadOnlySpan<int> fds, Span<short> revents, int timeoutMilliseconds)
    {
        pollfd* set = stackalloc pollfd[fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            set[i].fd = fds[i];
            set[i].events = Sys.POLLIN;
            set[i].revents = 0;
        }

        int n = Sys.poll(set, (nuint)fds.Length, timeoutMilliseconds);
        if (n < 0)
        {
            int errno = LinuxException.LastErrno;
            if (errno == EINTR)
            {
                revents.Clear();
                return -1;
            }

            throw new LinuxException(errno, "poll");
        }

        for (int i = 0; i < fds.Length; i++)
        {
            revents[i] = set[i].revents;
        }

        return n;
    }

    /// <summary>True when <paramref name="fd"/> is readable (or hung up) within the timeout (-1: forever).</summary>
    public static bool WaitReadable(int fd, int timeoutMilliseconds)
    {
        Span<short> revents = stackalloc short[1];
        while (true)
        {
            int n = WaitAny([fd], revents, timeoutMilliseconds);
            if (n > 0)
            {
                return true;
            }

            if (n == 0)
            {
                return false; // timed out
            }

            // A signal interrupted the wait: a bounded wait returns (its callers poll again), the others go on.
            if (timeoutMilliseconds > 0)
            {
                return false;
            }
        }
    }
}
