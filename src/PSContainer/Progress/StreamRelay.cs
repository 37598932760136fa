using System.Text;
using PSContainer.Runtime.Linux;

namespace PSContainer.Commands.Progress;

/// <summary>
/// Relaying a container process's standard streams from thread-pool tasks: each line of output is handed to a
/// callback (which posts it to the pipeline thread), and collected pipeline input becomes its stdin, closed at the
/// end so the process sees end of file.
/// </summary>
internal static class StreamRelay
{
    /// <summary>Copies a stream's bytes as they come to <paramref name="destination"/> (a terminal session's screen).</summary>
    public static async Task RelayBytesAsync(Stream stream, Stream destination)
    {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            await destination.FlushAsync().ConfigureAwait(false);
        }
    }

    public static async Task RelayLinesAsync(Stream stream, Action<string> onLine)
    {
        using StreamReader reader = new(stream, new UTF8Encoding(false));
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            onLine(line);
        }
    }

    /// <summary>
    /// Writes <paramref name="input"/> (if any) and closes the stream; a process that stops reading early is not an
    /// error. Without input and with <paramref name="interactive"/> (docker's -i), this process's own stdin (a
    /// terminal or a pipe) is copied instead, until it ends or <paramref name="stop"/> (the process has ended).
    /// </summary>
    /// <remarks>
    /// <paramref name="terminal"/>: stdin goes into a pseudo-terminal (docker run -t), so an interactive copy puts this
    /// process's terminal in raw mode rather than line mode: the container's terminal echoes and edits.
    /// </remarks>
    public static async Task FeedAsync(Stream stdin, string? input, bool interactive = false, CancellationToken stop = default, bool terminal = false)
    {
        try
        {
            if (input is not null)
            {
                await stdin.WriteAsync(new UTF8Encoding(false).GetBytes(input)).ConfigureAwait(false);
            }
            else if (interactive)
            {
                await InputRelay.CopyAsync(0, stdin, stop, raw: terminal).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // EPIPE: the process closed its stdin (as `head` does).
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
            }
        }
    }
}
