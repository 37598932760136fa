using System.Buffers;
using System.Text;
using System.Text.Json;
using PSContainer.Runtime.Logs;
using Xunit;

namespace PSContainer.Tests.Logs;

public sealed class JsonLogWriterTests
{
    private static readonly DateTime Now = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public void EachLineIsOneDockerJsonFileRecord()
    {
        string[] records = Write(w => w.Append(LogStream.Stdout, "hello\nworld\n"u8, Now, w.Output));

        Assert.Equal(2, records.Length);
        using JsonDocument first = JsonDocument.Parse(records[0]);
        Assert.Equal("hello\n", first.RootElement.GetProperty("log").GetString());
        Assert.Equal("stdout", first.RootElement.GetProperty("stream").GetString());
        Assert.Equal("2025-01-02T03:04:05.0000000Z", first.RootElement.GetProperty("time").GetString());
        // docker's key order, so that tools that read json-file logs by prefix find what they expect.
        Assert.StartsWith("{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":", records[0]);
    }

    [Fact]
    public void ALineSplitAcrossReadsIsOneRecordAndStreamsDoNotMix()
    {
        string[] records = Write(w =>
        {
            w.Append(LogStream.Stdout, "hel"u8, Now, w.Output);
            w.Append(LogStream.Stderr, "oops\n"u8, Now, w.Output);
            w.Append(LogStream.Stdout, "lo\n"u8, Now, w.Output);
        });

        Assert.Equal([("oops\n", "stderr"), ("hello\n", "stdout")], records.Select(Parse));
    }

    [Fact]
    public void AnUnfinishedLastLineIsWrittenAtEndOfFileWithoutNewline()
    {
        string[] records = Write(w =>
        {
            w.Append(LogStream.Stdout, "no newline"u8, Now, w.Output);
            Assert.Equal(0, w.Output.WrittenCount);
            w.Flush(LogStream.Stdout, Now, w.Output);
        });

        Assert.Equal([("no newline", "stdout")], records.Select(Parse));
    }

    [Fact]
    public void ALineLongerThanTheLimitIsCutIntoPartialRecords()
    {
        string line = new string('x', JsonLogWriter.MaxEntryBytes * 2 + 10) + "\n";

        string[] records = Write(w => w.Append(LogStream.Stdout, Encoding.UTF8.GetBytes(line), Now, w.Output));

        Assert.Equal(3, records.Length);
        string[] logs = records.Select(r => Parse(r).Log).ToArray();
        Assert.Equal(JsonLogWriter.MaxEntryBytes, logs[0].Length);
        Assert.False(logs[0].EndsWith('\n'));
        Assert.Equal(line, string.Concat(logs));
    }

    [Fact]
    public void ACutNeverSplitsACharacter()
    {
        // 'é' is two bytes; an odd number of ASCII bytes first puts a character across the limit.
        string line = "a" + string.Concat(Enumerable.Repeat("é", JsonLogWriter.MaxEntryBytes)) + "\n";

        string[] records = Write(w => w.Append(LogStream.Stdout, Encoding.UTF8.GetBytes(line), Now, w.Output));

        string joined = string.Concat(records.Select(r => Parse(r).Log));
        Assert.Equal(line, joined);
        Assert.DoesNotContain('\uFFFD', joined);
    }

    [Fact]
    public void QuotesBackslashesAndControlCharactersAreEscapedAndInvalidUtf8IsReplaced()
    {
        byte[] raw = [.. "say \"hi\"\\ \t\u0001 ü "u8, 0xFF, 0xC3, (byte)'\n'];

        string[] records = Write(w => w.Append(LogStream.Stderr, raw, Now, w.Output));

        Assert.Single(records);
        Assert.Contains("\\\"hi\\\"\\\\ \\t\\u0001", records[0]);
        Assert.Equal("say \"hi\"\\ \t\u0001 ü \uFFFD\uFFFD\n", Parse(records[0]).Log);
    }

    private static (string Log, string Stream) Parse(string record)
    {
        using JsonDocument json = JsonDocument.Parse(record);
        return (json.RootElement.GetProperty("log").GetString()!, json.RootElement.GetProperty("stream").GetString()!);
    }

    private static string[] Write(Action<Harness> act)
    {
        Harness harness = new();
        act(harness);
        string text = Encoding.UTF8.GetString(harness.Output.WrittenSpan);
        Assert.True(text.Length == 0 || text.EndsWith('\n'));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private sealed class Harness
    {
        private readonly JsonLogWriter _writer = new();

        public ArrayBufferWriter<byte> Output { get; } = new();

        public void Append(LogStream stream, ReadOnlySpan<byte> chunk, DateTime now, IBufferWriter<byte> output) => _writer.Append(stream, chunk, now, output);

        public void Flush(LogStream stream, DateTime now, IBufferWriter<byte> output) => _writer.Flush(stream, now, output);
    }
}
