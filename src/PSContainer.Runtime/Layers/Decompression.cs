using System.IO.Compression;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// Streaming decompressors for layer blobs, chosen by media type. The choices were measured
/// (docs/DECOMPRESSION.md): .NET's own GZipStream (zlib-ng) for gzip, ZstdSharp.Port for zstd.
/// Both stream with fixed internal buffers; nothing here ever holds a whole layer.
/// </summary>
public static class Decompression
{
    /// <summary>Wraps <paramref name="compressed"/> (the returned stream owns it).</summary>
    public static Stream Open(Stream compressed, LayerCompression compression) => compression switch
    {
        LayerCompression.None => compressed,
        LayerCompression.Gzip => new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(compressed, leaveOpen: false),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown layer compression"),
    };

    /// <summary>Wraps <paramref name="compressed"/> according to a layer media type; fails for a non-layer type.</summary>
    public static Stream Open(Stream compressed, string mediaType, string layer)
    {
        var compression = MediaTypes.LayerCompressionOf(mediaType)
            ?? throw LayerErrors.Invalid(LayerErrors.UnsupportedMediaType, layer, null, $"unsupported layer media type \"{mediaType}\"");
        return Open(compressed, compression);
    }
}
