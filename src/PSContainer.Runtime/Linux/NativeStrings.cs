using System.Text;

namespace PSContainer.Runtime.Linux;

/// <summary>NUL-terminated UTF-8 strings for passing to C; pin the array with <c>fixed</c>.</summary>
internal static class NativeStrings
{
    public static byte[] Utf8z(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>A nullable variant: null stays null (C's NULL pointer).</summary>
    public static byte[]? Utf8zOrNull(string? s) => s is null ? null : Utf8z(s);
}
