using System.Text;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Images.Archives;

/// <summary>One member of an image archive: where its bytes start in the tar file, how many there are, what it is.</summary>
internal sealed record TarMember(string Name, char Type, long Offset, long Size, string? LinkName)
{
    public bool IsFile => Type is '0' or '\0' or '7';

    public bool IsSymlink => Type == '2';

    public bool IsHardlink => Type == '1';
}

/// <summary>
/// Lists the members of an image archive (docker-archive, oci-archive) by walking its headers: ustar and GNU headers,
/// PAX path/linkpath/size records and GNU long names. Only positions are recorded; member data is read later, straight
/// from the file, so any member can be opened in any order (docker puts <c>manifest.json</c> last). Image archives hold
/// blobs and JSON documents, not file systems, so names are plain UTF-8.
/// </summary>
internal static class TarIndex
{
    private const int Block = 512;

    public static IReadOnlyDictionary<string, TarMember> Read(Stream archive, string what)
    {
        var members = new Dictionary<string, TarMember>(StringComparer.Ordinal);
        byte[] header = new byte[Block];
        string? nextName = null;
        string? nextLink = null;
        long? nextSize = null;
        long position = 0;
        while (true)
        {
            archive.Position = position;
            int read = archive.ReadAtLeast(header, Block, throwOnEndOfStream: false);
            if (read == 0 || (read == Block && !header.AsSpan().ContainsAnyExcept((byte)0)))
            {
                break;
            }
            if (read < Block)
            {
                throw Invalid(what, "truncated tar header");
            }
            VerifyChecksum(header, what);
            char type = (char)header[156];
            long size = ParseNumber(header.AsSpan(124, 12), what);
            long data = position + Block;
            position = data + ((size + Block - 1) / Block * Block);
            if (data + size > archive.Length)
            {
                throw Invalid(what, "truncated tar member");
            }
            switch (type)
            {
                case 'x':
                    foreach (var (key, value) in ReadPax(archive, data, size, what))
                    {
                        switch (key)
                        {
                            case "path": nextName = value; break;
                            case "linkpath": nextLink = value; break;
                            case "size": nextSize = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                        }
                    }
                    continue;
                case 'g':
                    continue;
                case 'L':
                    nextName = ReadString(archive, data, size, what);
                    continue;
                case 'K':
                    nextLink = ReadString(archive, data, size, what);
                    continue;
            }
            if (nextSize is { } paxSize)
            {
                size = paxSize;
                position = data + ((size + Block - 1) / Block * Block);
            }
            string name = nextName ?? HeaderName(header);
            string? link = nextLink ?? CString(header.AsSpan(157, 100));
            nextName = nextLink = null;
            nextSize = null;
            string? clean = Clean(name);
            if (clean is null)
            {
                throw Invalid(what, $"member \"{name}\" leaves the archive");
            }
            if (clean.Length > 0)
            {
                members[clean] = new TarMember(clean, type, data, size, link?.Length > 0 ? link : null);
            }
        }
        return members;
    }

    /// <summary>A member name without <c>./</c>, a leading <c>/</c> or a trailing <c>/</c>; null when it has a <c>..</c> component.</summary>
    public static string? Clean(string name)
    {
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        return parts.Contains("..") ? null : string.Join('/', parts);
    }

    private static string HeaderName(byte[] header)
    {
        string name = CString(header.AsSpan(0, 100));
        bool ustar = header.AsSpan(257, 5).SequenceEqual("ustar"u8);
        string prefix = ustar ? CString(header.AsSpan(345, 155)) : "";
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    private static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian, the first byte's high bit set.
            long value = field[0] & 0x7f;
            foreach (byte b in field[1..])
            {
                value = checked((value << 8) | b);
            }
            return value;
        }
        // Octal digits, padded with spaces or NULs on either side ("0001750 ", "001750\0 " for the checksum).
        int i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0)
        {
            i++;
        }
        long result = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++)
        {
            result = checked(result * 8 + (field[i] - '0'));
        }
        for (; i < field.Length; i++)
        {
            if (field[i] is not ((byte)' ' or 0))
            {
                throw Invalid(what, "bad number in a tar header (not a tar archive?)");
            }
        }
        return result;
    }

    private static void VerifyChecksum(byte[] header, string what)
    {
        long stored = ParseNumber(header.AsSpan(148, 8), what);
        long sum = 0;
        for (int i = 0; i < Block; i++)
        {
            sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        }
        if (sum != stored)
        {
            throw Invalid(what, "tar header checksum mismatch (not a tar archive, or a damaged one)");
        }
    }

    private static byte[] ReadBytes(Stream archive, long offset, long size, string what)
    {
        if (size > 1 << 20)
        {
            throw Invalid(what, "tar long name or PAX record too large");
        }
        byte[] bytes = new byte[size];
        archive.Position = offset;
        archive.ReadExactly(bytes);
        return bytes;
    }

    private static string ReadString(Stream archive, long offset, long size, string what) => CString(ReadBytes(archive, offset, size, what));

    /// <summary>PAX records, "&lt;length&gt; &lt;key&gt;=&lt;value&gt;\n", where the length counts bytes.</summary>
    private static List<(string Key, string Value)> ReadPax(Stream archive, long offset, long size, string what)
    {
        byte[] bytes = ReadBytes(archive, offset, size, what);
        var result = new List<(string, string)>();
        int i = 0;
        while (i < bytes.Length && bytes[i] != 0)
        {
            int space = Array.IndexOf(bytes, (byte)' ', i);
            if (space < 0 || !int.TryParse(bytes.AsSpan(i, space - i), out int length) || length <= space - i + 1 || i + length > bytes.Length)
            {
                throw Invalid(what, "malformed PAX record");
            }
            var record = bytes.AsSpan(space + 1, i + length - space - 2);
            int equals = record.IndexOf((byte)'=');
            if (equals > 0)
            {
                result.Add((Encoding.UTF8.GetString(record[..equals]), Encoding.UTF8.GetString(record[(equals + 1)..])));
            }
            i += length;
        }
        return result;
    }

    internal static ContainerRuntimeException Invalid(string what, string why) =>
        ContainerRuntimeException.InvalidArgument("ImageArchiveInvalid", $"image archive {what}: {why}", what);
}
