using System.Buffers;
using System.Globalization;
using System.Text;

namespace PSContainer.Runtime.Logs;

/// <summary>
/// Turns the bytes a container writes into docker's json-file log format, one JSON object per line:
/// <code>{"log":"hello\n","stream":"stdout","time":"2025-01-02T03:04:05.1234567Z"}</code>
/// "log" is the line with its "\n"; a line longer than <see cref="MaxEntryBytes"/> is cut into entries whose
/// "log" has no "\n" (docker's partial messages), and so is a last line without one. Bytes that are not UTF-8
/// become U+FFFD, as docker's encoder does. "time" is RFC 3339 in UTC, to the 100 ns .NET keeps.
/// </summary>
/// <remarks>
/// Used by psc-shim's relay, which feeds it whatever each read(2) returned: a chunk may end in the middle of a line,
/// so each stream keeps its unfinished line until the rest arrives (or <see cref="Flush"/> at end of file).
/// Allocation-free per chunk after warm-up: the relay runs for the container's whole life.
/// </remarks>
public sealed class JsonLogWriter
{
    /// <summary>docker's limit for one entry (its copier's 16 KiB buffer).</summary>
    public const int MaxEntryBytes = 16 * 1024;

    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();
    // Allocated on first use, uninitialized: on psc-shim's start path, every page of fresh memory costs (the
    // machine's first touch is slow), and a container that writes nothing should pay for none of it.
    private readonly byte[]?[] _pending = new byte[]?[2];
    private readonly int[] _pendingLength = new int[2];

    /// <summary>
    /// Appends the entries for <paramref name="chunk"/> to <paramref name="output"/>: one per complete line, and one
    /// per <see cref="MaxEntryBytes"/> of a longer line. An unfinished line is kept for the next call.
    /// </summary>
    public void Append(LogStream stream, ReadOnlySpan<byte> chunk, DateTime utcNow, IBufferWriter<byte> output)
    {
        byte[] pending = _pending[(int)stream] ??= GC.AllocateUninitializedArray<byte>(MaxEntryBytes);
        ref int length = ref _pendingLength[(int)stream];
        while (!chunk.IsEmpty)
        {
            int room = MaxEntryBytes - length;
            int newline = chunk.IndexOf((byte)'\n');
            if (newline >= 0 && newline < room)
            {
                chunk[..(newline + 1)].CopyTo(pending.AsSpan(length));
                WriteEntry(stream, pending.AsSpan(0, length + newline + 1), utcNow, output);
                length = 0;
                chunk = chunk[(newline + 1)..];
            }
            else if (newline < 0 && chunk.Length < room)
            {
                chunk.CopyTo(pending.AsSpan(length));
                length += chunk.Length;
                return;
            }
            else
            {
                // The line does not fit: cut it, on a character boundary where there is one, so a character is not
                // split into two replacement characters.
                int cut = room;
                while (cut > 1 && cut < chunk.Length && (chunk[cut] & 0xC0) == 0x80 && room - cut < 3)
                {
                    cut--;
                }

                chunk[..cut].CopyTo(pending.AsSpan(length));
                WriteEntry(stream, pending.AsSpan(0, length + cut), utcNow, output);
                length = 0;
                chunk = chunk[cut..];
            }
        }
    }

    /// <summary>Writes the unfinished line of <paramref name="stream"/>, if any, as an entry without "\n" (end of file).</summary>
    public void Flush(LogStream stream, DateTime utcNow, IBufferWriter<byte> output)
    {
        ref int length = ref _pendingLength[(int)stream];
        if (length > 0)
        {
            WriteEntry(stream, _pending[(int)stream]!.AsSpan(0, length), utcNow, output);
            length = 0;
        }
    }

    /// <summary>One entry, as a line of JSON.</summary>
    public static void WriteEntry(LogStream stream, ReadOnlySpan<byte> text, DateTime utcNow, IBufferWriter<byte> output)
    {
        Write(output, "{\"log\":\""u8);
        WriteEscaped(text, output);
        Write(output, stream == LogStream.Stdout ? "\",\"stream\":\"stdout\",\"time\":\""u8 : "\",\"stream\":\"stderr\",\"time\":\""u8);
        Span<byte> time = output.GetSpan(40);
        if (!utcNow.TryFormat(time, out int written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("log time: format failed");
        }

        output.Advance(written);
        Write(output, "\"}\n"u8);
    }

    /// <summary>JSON string escaping of UTF-8 text: quote, backslash and control characters escaped; invalid UTF-8 as U+FFFD.</summary>
    private static void WriteEscaped(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        while (!text.IsEmpty)
        {
            // The common case first: a run of printable ASCII that needs no escaping, copied as it is.
            int plain = 0;
            while (plain < text.Length && text[plain] is >= 0x20 and < 0x80 and not (byte)'"' and not (byte)'\\')
            {
                plain++;
            }

            if (plain > 0)
            {
                Write(output, text[..plain]);
                text = text[plain..];
                continue;
            }

            byte b = text[0];
            if (b < 0x80)
            {
                Write(output, b switch
                {
                    (byte)'"' => "\\\""u8,
                    (byte)'\\' => "\\\\"u8,
                    (byte)'\n' => "\\n"u8,
                    (byte)'\r' => "\\r"u8,
                    (byte)'\t' => "\\t"u8,
                    _ => [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', Hex[b >> 4], Hex[b & 0xF]],
                });
                text = text[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(text, out _, out int consumed) == OperationStatus.Done)
            {
                Write(output, text[..consumed]);
            }
            else
            {
                Write(output, "\uFFFD"u8);
            }

            text = text[Math.Max(consumed, 1)..];
        }
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
