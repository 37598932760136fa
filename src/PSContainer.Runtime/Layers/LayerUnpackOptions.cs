namespace PSContainer.Runtime.Layers;

/// <summary>Options of <see cref="LayerUnpacker"/>.</summary>
public sealed record LayerUnpackOptions
{
    /// <summary>64 GiB: generous for real images, and still a stop for a decompression bomb.</summary>
    public const long DefaultMaxUncompressedBytes = 64L << 30;

    public WhiteoutMode WhiteoutMode { get; init; } = WhiteoutMode.Overlay;

    /// <summary>The unpacker stops with LayerTooLarge once the uncompressed stream exceeds this many bytes.</summary>
    public long MaxUncompressedBytes { get; init; } = DefaultMaxUncompressedBytes;

    /// <summary>
    /// In overlay mode, the unpacked directories of the parent layers, top first. When an entry's parent directory is
    /// not in the tar, the unpacker creates it with the owner, mode, mtime and xattrs of the same directory in the
    /// nearest lower layer (as containerd does), because overlayfs shows the upper copy's metadata for a merged
    /// directory; without a lower copy it gets root:root 0755.
    /// </summary>
    public IReadOnlyList<string> LowerDirectories { get; init; } = [];
}
