using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// The stable ErrorIds of layer unpacking and the exceptions that carry them. Every message names the layer and,
/// where there is one, the tar entry: "layer sha256:…: entry "etc/../../x": path escapes the layer directory".
/// </summary>
public static class LayerErrors
{
    /// <summary>An entry name (after cleaning) leaves the layer directory, or names its root as a non-directory.</summary>
    public const string PathEscape = "LayerPathEscape";

    /// <summary>An entry would be created through a symlink or non-directory parent that cannot be used as a directory.</summary>
    public const string SymlinkEscape = "LayerSymlinkEscape";

    /// <summary>A hardlink names a target outside the layer directory or one that does not exist in it.</summary>
    public const string HardlinkEscape = "LayerHardlinkEscape";

    /// <summary>A whiteout with no name, ".", "..", or a path through a whiteout.</summary>
    public const string InvalidWhiteout = "LayerInvalidWhiteout";

    /// <summary>More uncompressed bytes than <see cref="LayerUnpackOptions.MaxUncompressedBytes"/> (a decompression bomb).</summary>
    public const string TooLarge = "LayerTooLarge";

    /// <summary>The uncompressed bytes do not hash to the expected DiffID.</summary>
    public const string DiffIdMismatch = "LayerDiffIdMismatch";

    /// <summary>The tar stream or its compression is malformed or truncated.</summary>
    public const string Corrupt = "LayerCorrupt";

    /// <summary>A tar entry type the unpacker does not support (GNU sparse files, multi-volume archives…).</summary>
    public const string UnsupportedEntry = "LayerUnsupportedEntry";

    /// <summary>A layer media type without a known compression.</summary>
    public const string UnsupportedMediaType = "LayerUnsupportedMediaType";

    internal static ContainerRuntimeException Invalid(string errorId, string layer, string? entry, string why) =>
        ContainerRuntimeException.InvalidArgument(errorId, Message(layer, entry, why), layer);

    internal static ContainerRuntimeException DataLoss(string errorId, string layer, string? entry, string why, Exception? inner = null) =>
        new(ErrorKind.DataLoss, errorId, Message(layer, entry, why), inner) { Target = layer };

    internal static ContainerRuntimeException Corrupted(string layer, string? entry, string why, Exception? inner = null) =>
        DataLoss(Corrupt, layer, entry, why, inner);

    private static string Message(string layer, string? entry, string why) =>
        entry is null ? $"layer {layer}: {why}" : $"layer {layer}: entry \"{entry}\": {why}";
}
