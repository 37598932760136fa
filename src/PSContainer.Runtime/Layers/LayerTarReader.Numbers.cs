namespace PSContainer.Runtime.Layers;

/// <summary>Numeric fields of tar headers and PAX records.</summary>
internal sealed partial class LayerTarReader
{
    /// <summary>An octal field (leading/trailing spaces and NULs allowed) or GNU base-256 (high bit set).</summary>
    private long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0)
            {
                throw LayerErrors.Corrupted(_layer, null, $"negative base-256 {what}");
            }
            long value = field[0] & 0x3F;
            for (int i = 1; i < field.Length; i++)
            {
                if (value > (long.MaxValue >> 8))
                {
                    throw LayerErrors.Corrupted(_layer, null, $"base-256 {what} overflows");
                }
                value = (value << 8) | field[i];
            }
            return value;
        }
        long result = 0;
        int j = 0;
        while (j < field.Length && field[j] is (byte)' ' or 0)
        {
            j++;
        }
        for (; j < field.Length && field[j] is >= (byte)'0' and <= (byte)'7'; j++)
        {
            if (result > (long.MaxValue >> 3))
            {
                throw LayerErrors.Corrupted(_layer, null, $"octal {what} overflows");
            }
            result = (result << 3) | (long)(field[j] - '0');
        }
        for (; j < field.Length; j++)
        {
            if (field[j] is not ((byte)' ' or 0))
            {
                throw LayerErrors.Corrupted(_layer, null, $"invalid octal {what}");
            }
        }
        return result;
    }

    private long ParseDecimal(ReadOnlySpan<byte> value, string what)
    {
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out long result))
        {
            throw LayerErrors.Corrupted(_layer, null, $"invalid PAX {what}");
        }
        return result;
    }

    /// <summary>A PAX time: [-]seconds[.fraction].</summary>
    private (long, long) ParseTime(ReadOnlySpan<byte> value)
    {
        bool negative = value.Length > 0 && value[0] == (byte)'-';
        var body = negative ? value[1..] : value;
        int dot = body.IndexOf((byte)'.');
        long seconds = ParseDecimal(dot < 0 ? body : body[..dot], "mtime");
        long nanos = 0;
        if (dot >= 0)
        {
            var fraction = body[(dot + 1)..];
            for (int i = 0; i < 9; i++)
            {
                int digit = i < fraction.Length ? fraction[i] - '0' : 0;
                if (digit is < 0 or > 9)
                {
                    throw LayerErrors.Corrupted(_layer, null, "invalid PAX mtime");
                }
                nanos = nanos * 10 + digit;
            }
        }
        if (negative)
        {
            (seconds, nanos) = nanos == 0 ? (-seconds, 0) : (-seconds - 1, 1_000_000_000 - nanos);
        }
        return (seconds, nanos);
    }

    private uint ToId(long value) => value is >= 0 and <= uint.MaxValue
        ? (uint)value
        : throw LayerErrors.Corrupted(_layer, null, $"id or device number {value} out of range");
}
