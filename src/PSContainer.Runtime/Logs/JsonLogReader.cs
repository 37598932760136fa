using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace PSContainer.Runtime.Logs;

/// <summary>
/// Reads a log written by <see cref="JsonLogWriter"/> (or by docker's json-file driver): entries in order, partial
/// entries joined back into their lines, streamed — the file is never read whole. With
/// <see cref="LogReadOptions.Follow"/> it waits for more at the end of the file until <c>isRunning</c> says the
/// writer is gone; it asks that before its last look at the file, so nothing written before the end is missed.
/// </summary>
public static class JsonLogReader
{
    private const int ChunkSize = 64 * 1024;

    public static async IAsyncEnumerable<LogEntry> ReadAsync(string path, LogReadOptions options, Func<bool> isRunning,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        FileStream? file = await OpenAsync(path, options.Follow, isRunning, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            yield break;
        }

        await using (file.ConfigureAwait(false))
        {
            if (options.Tail is int tail)
            {
                file.Position = TailOffset(file, tail);
            }

            StringBuilder?[] partial = new StringBuilder?[2];
            DateTimeOffset[] partialTime = new DateTimeOffset[2];
            byte[] buffer = new byte[ChunkSize];
            int filled = 0;
            int delay = 10;
            bool lastLook = false;
            while (true)
            {
                int n = await file.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n > 0)
                {
                    filled += n;
                    delay = 10;
                    int consumed = 0;
                    int newline;
                    List<LogEntry> lines = [];
                    while ((newline = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n')) >= 0)
                    {
                        if (Decode(buffer.AsSpan(consumed, newline)) is { } entry)
                        {
                            Join(entry, partial, partialTime, lines);
                        }

                        consumed += newline + 1;
                    }

                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    if (filled == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2); // a record longer than the buffer: grow, never drop
                    }

                    foreach (LogEntry line in lines.Where(l => InRange(l, options)))
                    {
                        yield return line;
                    }

                    continue;
                }

                // End of file. Done, unless following a writer that is still there; the last look happens after the
                // writer was seen gone, so it sees everything the writer wrote.
                if (!options.Follow || lastLook)
                {
                    break;
                }

                if (!isRunning())
                {
                    lastLook = true;
                    continue;
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 200);
            }

            // What never got its end: a last line without "\n".
            for (int s = 0; s < 2; s++)
            {
                if (partial[s] is { } rest && InRange(new LogEntry(partialTime[s], (LogStream)s, ""), options))
                {
                    yield return new LogEntry(partialTime[s], (LogStream)s, rest.ToString());
                }
            }
        }
    }

    /// <summary>Parses one record; null for a line that is not one (a torn write, garbage): it is skipped.</summary>
    public static (LogEntry Entry, bool Complete)? Decode(ReadOnlySpan<byte> json)
    {
        string? log = null;
        string? stream = null;
        string? time = null;
        try
        {
            Utf8JsonReader reader = new(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "log" when reader.TokenType == JsonTokenType.String:
                        log = reader.GetString();
                        break;
                    case "stream" when reader.TokenType == JsonTokenType.String:
                        stream = reader.GetString();
                        break;
                    case "time" when reader.TokenType == JsonTokenType.String:
                        time = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (log is null || ParseTime(time) is not { } when)
        {
            return null;
        }

        // A line's end is "\n" or "\r\n", as for StreamReader.ReadLine (what an attached run shows).
        bool complete = log.EndsWith('\n');
        string line = !complete ? log : log.EndsWith("\r\n", StringComparison.Ordinal) ? log[..^2] : log[..^1];
        return (new LogEntry(when, stream == "stderr" ? LogStream.Stderr : LogStream.Stdout, line), complete);
    }

    /// <summary>RFC 3339 with up to 9 fraction digits (docker writes nanoseconds; .NET parses at most 7).</summary>
    public static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        int dot = text.IndexOf('.');
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = text[..(dot + 8)] + text[end..];
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value)
            ? value
            : null;
    }

    private static void Join((LogEntry Entry, bool Complete) record, StringBuilder?[] partial, DateTimeOffset[] partialTime, List<LogEntry> lines)
    {
        int s = (int)record.Entry.Stream;
        if (!record.Complete)
        {
            if (partial[s] is null)
            {
                partial[s] = new StringBuilder();
                partialTime[s] = record.Entry.Time;
            }

            partial[s]!.Append(record.Entry.Line);
            return;
        }

        if (partial[s] is { } start)
        {
            lines.Add(new LogEntry(partialTime[s], record.Entry.Stream, start.Append(record.Entry.Line).ToString()));
            partial[s] = null;
            return;
        }

        lines.Add(record.Entry);
    }

    private static bool InRange(LogEntry entry, LogReadOptions options) =>
        (options.Since is not { } since || entry.Time >= since) && (options.Until is not { } until || entry.Time < until);

    /// <summary>The offset of the <paramref name="lines"/>-th record from the end, found by reading backwards in chunks.</summary>
    private static long TailOffset(FileStream file, int lines)
    {
        long length = file.Length;
        if (lines <= 0)
        {
            return length;
        }

        byte[] chunk = new byte[ChunkSize];
        long position = length;
        int seen = 0;
        bool first = true;
        while (position > 0)
        {
            int size = (int)Math.Min(chunk.Length, position);
            position -= size;
            file.Position = position;
            file.ReadExactly(chunk, 0, size);
            for (int i = size - 1; i >= 0; i--)
            {
                if (chunk[i] != '\n')
                {
                    first = false;
                    continue;
                }

                if (first)
                {
                    first = false; // the end of the last record, not a boundary before one
                    continue;
                }

                if (++seen == lines)
                {
                    return position + i + 1;
                }
            }
        }

        return 0;
    }

    private static async Task<FileStream?> OpenAsync(string path, bool follow, Func<bool> isRunning, CancellationToken cancellationToken)
    {
        int delay = 10;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, useAsync: false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // No log yet: the container has never run. Following waits for it to start writing.
                if (!follow || !isRunning())
                {
                    return null;
                }
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 200);
        }
    }
}
