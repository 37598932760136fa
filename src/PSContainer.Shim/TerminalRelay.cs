using PSContainer.Runtime.Linux;

namespace PSContainer.Shim;

/// <summary>
/// docker exec -t, in the exec helper: the terminal's output to our stdout and our stdin into the terminal, byte for
/// byte, on the main thread (it can create no threads after its setns into the PID namespace). Ends when the
/// terminal has no peer left, or once the process has exited (its pidfd polls readable) and what it wrote is read.
/// </summary>
internal static class TerminalRelay
{
    public static void Run(SafeFd master, ProcessHandle? process)
    {
        Span<int> fds = [master.Fd, 0, process?.Fd ?? -1];
        Span<short> ready = stackalloc short[3];
        byte[] buffer = new byte[16 * 1024];
        bool exited = process is null;
        while (fds[0] >= 0)
        {
            int n = Poller.WaitAny(fds, ready, exited ? 0 : -1);
            if (n < 0)
            {
                continue; // a signal (the forwarder's): poll again
            }

            if (n == 0)
            {
                break; // exited and drained
            }

            if (ready[0] != 0 && !Copy(master.Fd, 1, buffer))
            {
                fds[0] = -1;
            }

            if (ready[1] != 0 && !Copy(0, master.Fd, buffer))
            {
                fds[1] = -1;
            }

            if (ready[2] != 0)
            {
                exited = true;
                fds[1] = -1;
                fds[2] = -1;
            }
        }
    }

    /// <summary>One read and its write; false at end of file, on EIO (no peer left) or when the reader has gone.</summary>
    private static bool Copy(int from, int to, byte[] buffer)
    {
        try
        {
            int n = RawIo.Read(from, buffer);
            return n > 0 && RawIo.WriteAll(to, buffer.AsSpan(0, n));
        }
        catch (LinuxException)
        {
            return false;
        }
    }
}
