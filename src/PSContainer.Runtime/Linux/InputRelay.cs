namespace PSContainer.Runtime.Linux;

/// <summary>
/// Copies what arrives on a descriptor of this process (its stdin, for docker run -i) to a stream, until end of file
/// or until stopped; a terminal is in line mode meanwhile (see <see cref="TerminalMode"/>).
/// </summary>
/// <remarks>
/// A blocking read(2) cannot be called off: a thread left waiting in it after the container ended would take the
/// next line typed at the prompt. So the thread waits in poll(2) on the descriptor and on a pipe of its own, which
/// the stop makes readable, and reads only what is there.
/// </remarks>
public static class InputRelay
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Copies on a thread of its own; the task ends at end of file, when stopped, or when the reader has gone.</summary>
    public static Task CopyAsync(int fd, Stream destination, CancellationToken stop, bool raw = false) =>
        Task.Factory.StartNew(() => Copy(fd, destination, stop, raw), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The same, on the calling thread. <paramref name="raw"/>: a terminal in raw mode rather than line mode (docker run -it).</summary>
    public static void Copy(int fd, Stream destination, CancellationToken stop, bool raw = false)
    {
        using TerminalMode? mode = raw ? TerminalMode.RawMode(fd) : TerminalMode.LineMode(fd);
        using Pipe wake = Pipe.Create();
        using CancellationTokenRegistration registration = stop.Register(() => RawIo.WriteAll(wake.WriteEnd.Fd, [1]));
        Span<short> ready = stackalloc short[2];
        byte[] buffer = new byte[BufferSize];
        while (!stop.IsCancellationRequested)
        {
            if (Poller.WaitAny([fd, wake.ReadEnd.Fd], ready, -1) <= 0 || ready[1] != 0)
            {
                continue; // a signal interrupted the wait, or the stop came: the loop's condition decides
            }

            int n;
            try
            {
                n = RawIo.Read(fd, buffer);
            }
            catch (LinuxException e) when (e.Errno == Tmds.Linux.LibC.EAGAIN)
            {
                continue; // a non-blocking descriptor that another reader emptied first
            }
            catch (LinuxException)
            {
                return; // EIO: the terminal is gone; as good as end of file
            }

            if (n == 0)
            {
                return; // end of file: the caller closes the destination, and the container sees it too
            }

            try
            {
                destination.Write(buffer, 0, n);
                destination.Flush();
            }
            catch (IOException)
            {
                return; // the container closed its stdin (EPIPE): nothing more to copy
            }
        }
    }
}
