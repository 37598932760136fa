using System.Globalization;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>docker's memory sizes (units.RAMInBytes): a number with an optional unit b, k, m, g, t (binary, any case, an optional trailing "b").</summary>
public static class ByteSize
{
    public static long Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        int end = s.Length;
        if (end > 1 && s[end - 1] == 'b' && !char.IsAsciiDigit(s[end - 2]))
        {
            end--; // "64mb" → "64m"
        }

        long multiplier = 1;
        if (end > 0 && s[end - 1] is 'b' or 'k' or 'm' or 'g' or 't')
        {
            multiplier = s[end - 1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1 };
            end--;
        }

        if (end == 0 || !decimal.TryParse(s.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            throw ContainerRuntimeException.InvalidArgument("ByteSizeInvalid", $"invalid size \"{text}\": expected a number with an optional unit b, k, m, g or t", text);
        }

        decimal bytes = number * multiplier;
        return bytes > long.MaxValue
            ? throw ContainerRuntimeException.InvalidArgument("ByteSizeInvalid", $"invalid size \"{text}\": too large", text)
            : (long)bytes;
    }
}
