namespace PSContainer.Runtime.Layers;

/// <summary>
/// One entry of a layer as the layer states it (Get-ContainerLayer -Content): the path it applies to, cleaned and
/// absolute ("/etc/passwd"), and the attributes the tar gives it. A whiteout names the path it hides
/// (<see cref="IsWhiteout"/>); an opaque marker names its directory (<see cref="Opaque"/> as well).
/// </summary>
public sealed record LayerEntry
{
    /// <summary>The digest of the layer blob the entry was read from.</summary>
    public required string Layer { get; init; }

    /// <summary>The layer's position in its image, bottom first, when read as part of an image.</summary>
    public int? LayerIndex { get; init; }

    public required string Path { get; init; }

    public required LayerEntryType Type { get; init; }

    /// <summary>Bytes of content (regular files; 0 for everything else).</summary>
    public required long Size { get; init; }

    /// <summary>Permission bits, setuid, setgid and sticky included.</summary>
    public required UnixFileMode Mode { get; init; }

    public required uint Uid { get; init; }

    public required uint Gid { get; init; }

    /// <summary>"uid:gid", as <c>ls -n</c> shows it (names in a tar are ignored by every runtime).</summary>
    public string Owner => $"{Uid}:{Gid}";

    /// <summary>A symlink's target as written, or a hardlink's target path (cleaned, absolute).</summary>
    public string? LinkTarget { get; init; }

    public required DateTimeOffset Modified { get; init; }

    public uint DeviceMajor { get; init; }

    public uint DeviceMinor { get; init; }

    public bool IsWhiteout => Type == LayerEntryType.Whiteout;

    /// <summary>True for the opaque marker <c>.wh..wh..opq</c>: every lower content of <see cref="Path"/> is hidden.</summary>
    public bool Opaque { get; init; }

    /// <summary>Extended attributes (name → raw value), e.g. security.capability.</summary>
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>sha256 of a regular file's content, when it was asked for (the comparison of images does).</summary>
    public string? ContentDigest { get; init; }

    /// <summary>The mode as <c>ls -l</c> shows it, type letter first: <c>-rwsr-xr-x</c>, <c>drwxrwxrwt</c>.</summary>
    public string UnixMode
    {
        get
        {
            char type = Type switch
            {
                LayerEntryType.Directory => 'd',
                LayerEntryType.Symlink => 'l',
                LayerEntryType.Hardlink => 'h',
                LayerEntryType.CharacterDevice => 'c',
                LayerEntryType.BlockDevice => 'b',
                LayerEntryType.Fifo => 'p',
                LayerEntryType.Whiteout => 'w',
                _ => '-',
            };
            int m = (int)Mode;
            Span<char> s = [type, R(m, 0x100), W(m, 0x80), X(m, 0x40, 0x800, 's'), R(m, 0x20), W(m, 0x10), X(m, 0x8, 0x400, 's'),
                R(m, 0x4), W(m, 0x2), X(m, 0x1, 0x200, 't')];
            return new string(s);

            static char R(int m, int bit) => (m & bit) != 0 ? 'r' : '-';
            static char W(int m, int bit) => (m & bit) != 0 ? 'w' : '-';
            static char X(int m, int bit, int special, char letter) => ((m & bit) != 0, (m & special) != 0) switch
            {
                (true, true) => letter,
                (false, true) => char.ToUpperInvariant(letter),
                (true, false) => 'x',
                _ => '-',
            };
        }
    }

    public override string ToString() => Path;
}
