namespace PSContainer.Runtime.Layers;

/// <summary>Lexical cleaning of tar entry names, on raw bytes (a name is whatever bytes the archive holds).</summary>
internal static class LayerPath
{
    public const int Escapes = -1;
    public const int HasNul = -2;

    /// <summary>
    /// Writes <paramref name="name"/> into <paramref name="destination"/> as <c>a/b/c</c>: leading slashes dropped
    /// (an absolute name is relative to the layer root, as GNU tar and containerd read it), empty and <c>.</c>
    /// components removed, <c>..</c> applied. Returns the length, <see cref="Escapes"/> when a <c>..</c> climbs
    /// above the root, or <see cref="HasNul"/> for a name containing a NUL byte (a PAX record can smuggle one in,
    /// and the kernel would silently cut the name there). <paramref name="destination"/> needs name.Length bytes.
    /// </summary>
    public static int Clean(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        if (name.Contains((byte)0))
        {
            return HasNul;
        }
        int length = 0;
        int i = 0;
        while (i < name.Length)
        {
            int next = name[i..].IndexOf((byte)'/');
            var component = next < 0 ? name[i..] : name.Slice(i, next);
            i = next < 0 ? name.Length : i + next + 1;
            if (component.IsEmpty || component.SequenceEqual("."u8))
            {
                continue;
            }
            if (component.SequenceEqual(".."u8))
            {
                if (length == 0)
                {
                    return Escapes;
                }
                int slash = destination[..length].LastIndexOf((byte)'/');
                length = slash < 0 ? 0 : slash;
                continue;
            }
            if (length > 0)
            {
                destination[length++] = (byte)'/';
            }
            component.CopyTo(destination[length..]);
            length += component.Length;
        }
        return length;
    }

    /// <summary>True when a component of <paramref name="path"/> (a cleaned path) starts with <c>.wh.</c>.</summary>
    public static bool HasWhiteoutComponent(ReadOnlySpan<byte> path)
    {
        while (true)
        {
            if (path.StartsWith(".wh."u8))
            {
                return true;
            }
            int slash = path.IndexOf((byte)'/');
            if (slash < 0)
            {
                return false;
            }
            path = path[(slash + 1)..];
        }
    }

    /// <summary>glibc's makedev for Linux device numbers.</summary>
    public static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
}
