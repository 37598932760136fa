using System.Buffers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Logs;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// Stage 1 owns the container's output (conmon's design): stage 2, and so the payload, writes into two pipes that
/// this relays, as it arrives, into the container's log (docker's json-file format, <see cref="JsonLogWriter"/>) and,
/// unless detached, byte for byte to stage 1's own stdout and stderr, which are the engine's pipes. So an attached
/// run is logged too, and the engine reads exactly what the container wrote.
/// </summary>
/// <remarks>
/// One synchronous poll(2) loop on the main thread (stage 1 can create no threads after the unshare). It ends when
/// both pipes are at end of file — in a new PID namespace that happens when the init exits, since its exit kills
/// every other process there — or, failing that (a process outside the namespace holding a pipe), once the init
/// has exited (its pidfd polls readable) and what is left in the pipes has been read.
/// </remarks>
internal sealed class LogRelay : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly SafeFd[] _pipes;
    private readonly SafeFd? _log;
    private readonly JsonLogWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _entries = new();
    private readonly bool[] _passThrough = [true, true];
    private bool _logFailed;
    private SafeFd? _terminal;
    private bool _terminalInput;

    private LogRelay(SafeFd stdout, SafeFd stderr, SafeFd? log)
    {
        _pipes = [stdout, stderr];
        _log = log;
    }

    /// <summary>Takes the read ends of stage 2's stdout and stderr pipes and opens the log for appending.</summary>
    public static LogRelay Open(string bundleDirectory, SafeFd stdout, SafeFd stderr)
    {
        SafeFd? log = null;
        try
        {
            log = RawIo.OpenAppend(Path.Combine(bundleDirectory, Bundle.LogFile), 0b110_100_000); // 0640
        }
        catch (LinuxException e)
        {
            Console.Error.WriteLine("psc-shim: " + e.Message + " (the container's output is not logged)");
        }

        return new LogRelay(stdout, stderr, log);
    }

    /// <summary>
    /// docker run -t: the container's output comes from this terminal master (as its stdout: a terminal has one
    /// stream), and, with <paramref name="input"/>, what arrives on our stdin is written into it.
    /// </summary>
    public void UseTerminal(SafeFd master, bool input)
    {
        _terminal = master;
        _terminalInput = input;
    }

    /// <summary>From now on the output goes only to the log (the engine has let go: detached).</summary>
    public void StopPassThrough()
    {
        _passThrough[0] = false;
        _passThrough[1] = false;
    }

    /// <summary>Relays until the output ends (see the remarks); <paramref name="init"/> is the container's init, or null if it is already gone.</summary>
    public void Run(ProcessHandle? init)
    {
        // stdout pipe, stderr pipe, the init's pidfd, a terminal's master, our stdin (copied into the terminal).
        Span<int> fds = [Fd(0), Fd(1), init is null ? -1 : init.Fd, _terminal?.Fd ?? -1, _terminal is not null && _terminalInput ? 0 : -1];
        Span<short> ready = stackalloc short[5];
        // Uninitialized: its pages are touched only by what the container writes (see JsonLogWriter's fields).
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ChunkSize);
        bool exited = init is null;
        while (fds[0] >= 0 || fds[1] >= 0 || fds[3] >= 0)
        {
            // Once the init has exited, only what is already in the pipes is read: a zero timeout.
            int n = Poller.WaitAny(fds, ready, exited ? 0 : -1);
            if (n < 0)
            {
                continue; // a signal (the forwarder's): poll again
            }

            if (n == 0)
            {
                break; // exited and drained
            }

            for (int i = 0; i < 2; i++)
            {
                if (ready[i] != 0 && !Relay(i, fds[i], buffer))
                {
                    fds[i] = -1;
                }
            }

            if (ready[3] != 0 && !Relay(0, fds[3], buffer))
            {
                fds[3] = -1;
            }

            if (ready[4] != 0 && !CopyInput(buffer))
            {
                fds[4] = -1;
            }

            if (ready[2] != 0)
            {
                exited = true;
                fds[2] = -1;
                fds[4] = -1; // nobody left to read it
            }
        }

        DateTime now = DateTime.UtcNow;
        _writer.Flush(LogStream.Stdout, now, _entries);
        _writer.Flush(LogStream.Stderr, now, _entries);
        WriteLog();
    }

    public void Dispose()
    {
        _log?.Dispose();
        _terminal?.Dispose();
        foreach (SafeFd pipe in _pipes)
        {
            pipe.Dispose();
        }
    }

    private int Fd(int stream) => _pipes[stream].Fd;

    /// <summary>One read from stream <paramref name="i"/>, logged and passed on; false at end of file.</summary>
    private bool Relay(int i, int fd, byte[] buffer)
    {
        int n;
        try
        {
            n = RawIo.Read(fd, buffer);
        }
        catch (LinuxException e) when (e.Errno == Errno.EIO && fd == _terminal?.Fd)
        {
            n = 0; // a terminal whose every peer is closed: the container has ended
        }

        LogStream stream = (LogStream)i;
        if (n == 0)
        {
            _writer.Flush(stream, DateTime.UtcNow, _entries);
            WriteLog();
            return false;
        }

        // The log first: the engine's end may be slow to read, and the log should not wait for it.
        _writer.Append(stream, buffer.AsSpan(0, n), DateTime.UtcNow, _entries);
        WriteLog();
        if (_passThrough[i])
        {
            // stdout to fd 1, stderr to fd 2. EPIPE: the engine went away; the container runs on, logged.
            _passThrough[i] = RawIo.WriteAll(i + 1, buffer.AsSpan(0, n));
        }

        return true;
    }

    /// <summary>One read from our stdin into the terminal; false at end of file, or when the terminal is gone.</summary>
    private bool CopyInput(byte[] buffer)
    {
        try
        {
            int n = RawIo.Read(0, buffer);
            return n > 0 && RawIo.WriteAll(_terminal!.Fd, buffer.AsSpan(0, n));
        }
        catch (LinuxException)
        {
            return false; // EIO: the container has ended; or our stdin failed: the output is still relayed
        }
    }

    private void WriteLog()
    {
        if (_entries.WrittenCount == 0)
        {
            return;
        }

        if (_log is not null && !_logFailed)
        {
            try
            {
                RawIo.WriteAll(_log.Fd, _entries.WrittenSpan); // one append per read: whole entries
            }
            catch (LinuxException e)
            {
                _logFailed = true; // a full disk must not stop the container: stop logging, say so once
                Console.Error.WriteLine("psc-shim: " + Bundle.LogFile + ": " + e.Message + " (logging stopped)");
            }
        }

        _entries.ResetWrittenCount();
    }
}
