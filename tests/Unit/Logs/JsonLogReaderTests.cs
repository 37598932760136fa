using System.Buffers;
using System.Text;
using PSContainer.Runtime.Logs;
using Xunit;

namespace PSContainer.Tests.Logs;

public sealed class JsonLogReaderTests : IDisposable
{
    private static readonly DateTime T0 = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public JsonLogReaderTests()
    {
        _path = Path.Combine(_dir.Path, "container.log");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadsEveryLineInOrderWithItsStream()
    {
        Append(T0, LogStream.Stdout, "one\n");
        Append(T0, LogStream.Stderr, "two\n");
        Append(T0, LogStream.Stdout, "three\n");

        List<LogEntry> entries = await ReadAsync(new LogReadOptions());

        Assert.Equal([("one", LogStream.Stdout), ("two", LogStream.Stderr), ("three", LogStream.Stdout)], entries.Select(e => (e.Line, e.Stream)));
        Assert.All(entries, e => Assert.Equal(T0, e.Time.UtcDateTime));
    }

    [Fact]
    public async Task PartialRecordsAreJoinedIntoTheirLine()
    {
        string longLine = new('y', JsonLogWriter.MaxEntryBytes + 5);
        Append(T0, LogStream.Stdout, longLine + "\nnext\n");

        List<LogEntry> entries = await ReadAsync(new LogReadOptions());

        Assert.Equal([longLine, "next"], entries.Select(e => e.Line));
    }

    [Fact]
    public async Task TailKeepsTheLastLinesAndSinceUntilATimeWindow()
    {
        for (int i = 0; i < 10; i++)
        {
            Append(T0.AddSeconds(i), LogStream.Stdout, $"line {i}\n");
        }

        List<LogEntry> tail = await ReadAsync(new LogReadOptions { Tail = 3 });
        List<LogEntry> window = await ReadAsync(new LogReadOptions { Since = T0.AddSeconds(4), Until = T0.AddSeconds(6) });
        List<LogEntry> none = await ReadAsync(new LogReadOptions { Tail = 0 });

        Assert.Equal(["line 7", "line 8", "line 9"], tail.Select(e => e.Line));
        Assert.Equal(["line 4", "line 5"], window.Select(e => e.Line));
        Assert.Empty(none);
    }

    [Fact]
    public async Task DockersNanosecondTimesAndUnknownFieldsAreRead()
    {
        File.WriteAllText(_path,
            "{\"log\":\"from docker\\n\",\"stream\":\"stderr\",\"attrs\":{\"a\":\"b\"},\"time\":\"2024-05-06T07:08:09.123456789Z\"}\n" +
            "not json at all\n" +
            "{\"log\":\"after garbage\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-06T07:08:10Z\"}\n");

        List<LogEntry> entries = await ReadAsync(new LogReadOptions());

        Assert.Equal(["from docker", "after garbage"], entries.Select(e => e.Line));
        Assert.Equal(LogStream.Stderr, entries[0].Stream);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567), entries[0].Time);
    }

    [Fact]
    public async Task FollowingReadsWhatIsWrittenLaterAndEndsWhenTheWriterIsGone()
    {
        Append(T0, LogStream.Stdout, "before\n");
        bool running = true;
        List<string> seen = [];
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));

        Task follow = Task.Run(async () =>
        {
            await foreach (LogEntry entry in JsonLogReader.ReadAsync(_path, new LogReadOptions { Follow = true }, () => Volatile.Read(ref running), timeout.Token))
            {
                lock (seen)
                {
                    seen.Add(entry.Line);
                }
            }
        });
        await WaitUntilAsync(() => Seen(seen, "before"), timeout.Token);
        Append(T0, LogStream.Stdout, "while running\n");
        await WaitUntilAsync(() => Seen(seen, "while running"), timeout.Token);
        // Written just before the writer is seen gone: the reader's last look must still find it.
        Append(T0, LogStream.Stderr, "last words");
        Volatile.Write(ref running, false);
        await follow;

        Assert.Equal(["before", "while running", "last words"], seen);
    }

    [Fact]
    public async Task ACarriageReturnBeforeTheNewlineEndsTheLineToo()
    {
        Append(T0, LogStream.Stdout, "dos\r\nunix\n");

        Assert.Equal(["dos", "unix"], (await ReadAsync(new LogReadOptions())).Select(e => e.Line));
    }

    [Fact]
    public async Task AMissingLogIsEmpty()
    {
        Assert.Empty(await ReadAsync(new LogReadOptions()));
        Assert.Empty(await ReadAsync(new LogReadOptions { Follow = true }));
    }

    private async Task<List<LogEntry>> ReadAsync(LogReadOptions options)
    {
        List<LogEntry> entries = [];
        await foreach (LogEntry entry in JsonLogReader.ReadAsync(_path, options, () => false, CancellationToken.None))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private void Append(DateTime time, LogStream stream, string text)
    {
        JsonLogWriter writer = new();
        ArrayBufferWriter<byte> output = new();
        writer.Append(stream, Encoding.UTF8.GetBytes(text), time, output);
        writer.Flush(stream, time, output);
        using FileStream file = new(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(output.WrittenSpan);
    }

    private static bool Seen(List<string> seen, string line)
    {
        lock (seen)
        {
            return seen.Contains(line);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
