namespace PSContainer.Runtime.Layers;

/// <summary>
/// One tar header after PAX and GNU long-name records are merged in. The reader reuses a single instance for every
/// entry (no per-entry allocation); names stay raw bytes, exactly as the archive has them.
/// </summary>
internal sealed class TarEntry
{
    public const byte TypeRegular = (byte)'0';
    public const byte TypeRegularOld = 0;
    public const byte TypeContiguous = (byte)'7';
    public const byte TypeHardlink = (byte)'1';
    public const byte TypeSymlink = (byte)'2';
    public const byte TypeChar = (byte)'3';
    public const byte TypeBlock = (byte)'4';
    public const byte TypeDirectory = (byte)'5';
    public const byte TypeFifo = (byte)'6';

    private byte[] _name = new byte[256];
    private byte[] _link = new byte[256];
    private readonly List<(byte[] Key, byte[] Value)> _xattrs = [];

    public byte Type { get; set; }

    /// <summary>Permission bits including setuid, setgid and sticky (07777).</summary>
    public uint Mode { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    /// <summary>Bytes of data that follow the header (0 for header-only types whatever the size field says).</summary>
    public long Size { get; set; }

    public long MtimeSeconds { get; set; }

    public long MtimeNanoseconds { get; set; }

    public uint DevMajor { get; set; }

    public uint DevMinor { get; set; }

    public int NameLength { get; private set; }

    public int LinkLength { get; private set; }

    /// <summary>The entry name as written (not cleaned), without a terminating NUL.</summary>
    public ReadOnlySpan<byte> Name => _name.AsSpan(0, NameLength);

    /// <summary>The link target (symlinks, hardlinks) as written.</summary>
    public ReadOnlySpan<byte> Link => _link.AsSpan(0, LinkLength);

    /// <summary>Extended attributes from SCHILY.xattr.* records: NUL-terminated key, raw value bytes.</summary>
    public IReadOnlyList<(byte[] Key, byte[] Value)> Xattrs => _xattrs;

    public bool IsRegular => Type is TypeRegular or TypeRegularOld or TypeContiguous;

    public string DisplayName => System.Text.Encoding.UTF8.GetString(Name);

    public void Reset()
    {
        NameLength = 0;
        LinkLength = 0;
        _xattrs.Clear();
        Type = 0;
        Mode = Uid = Gid = DevMajor = DevMinor = 0;
        Size = MtimeSeconds = MtimeNanoseconds = 0;
    }

    public void SetName(ReadOnlySpan<byte> value) => NameLength = Set(ref _name, value);

    public void SetName(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> value)
    {
        NameLength = Set(ref _name, prefix);
        EnsureCapacity(ref _name, NameLength + 1 + value.Length);
        _name[NameLength++] = (byte)'/';
        value.CopyTo(_name.AsSpan(NameLength));
        NameLength += value.Length;
    }

    public void SetLink(ReadOnlySpan<byte> value) => LinkLength = Set(ref _link, value);

    public void AddXattr(byte[] key, byte[] value) => _xattrs.Add((key, value));

    private static int Set(ref byte[] buffer, ReadOnlySpan<byte> value)
    {
        EnsureCapacity(ref buffer, value.Length);
        value.CopyTo(buffer);
        return value.Length;
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
    }
}
