using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// Which snapshotter a store uses: <c>$PSCONTAINER_SNAPSHOTTER</c> (<c>overlay</c> or <c>copy</c>) when set, otherwise
/// overlay when the kernel can build an overlay in the store (<see cref="OverlayProbe"/>), otherwise copy.
///
/// The two keep their snapshots apart — overlay's under <c>snapshots/</c>, copy's under <c>snapshots/copy/</c> — because
/// their directories mean different things (one layer with whiteout devices, or a whole tree): a store used with
/// both simply unpacks an image once per driver, and neither ever reads the other's.
/// </summary>
public static class SnapshotterSelector
{
    public const string Variable = "PSCONTAINER_SNAPSHOTTER";

    /// <summary>The copy driver's directory inside the snapshots directory.</summary>
    public const string CopyDirectory = "copy";

    /// <summary>Parses a setting (case-insensitive); null or empty means "detect".</summary>
    public static SnapshotterKind? Parse(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "overlay" or "overlayfs" => SnapshotterKind.Overlay,
        "copy" or "native" => SnapshotterKind.Copy,
        _ => throw ContainerRuntimeException.InvalidArgument("SnapshotterInvalid",
            $"{Variable}=\"{setting}\": expected \"overlay\" or \"copy\"", setting),
    };

    /// <summary>The driver to use for a snapshots directory: the setting, or what the kernel supports there.</summary>
    public static SnapshotterKind Choose(string snapshotsRoot, string? setting)
    {
        if (Parse(setting) is { } chosen)
        {
            return chosen;
        }
        Directory.CreateDirectory(snapshotsRoot);
        return OverlayProbe.CanMountIn(snapshotsRoot) ? SnapshotterKind.Overlay : SnapshotterKind.Copy;
    }

    /// <summary>
    /// Creates the snapshotter of <paramref name="kind"/> for a snapshots directory (the engine's <c>&lt;root&gt;/snapshots</c>);
    /// <paramref name="options"/> set the unpacker's limits (the decompression bomb limit, <see cref="LayerUnpackOptions.MaxUncompressedBytes"/>).
    /// </summary>
    public static SnapshotStore Create(SnapshotterKind kind, string snapshotsRoot, LayerUnpackOptions? options = null) => kind switch
    {
        SnapshotterKind.Overlay => new OverlaySnapshotter(snapshotsRoot, options),
        SnapshotterKind.Copy => new CopySnapshotter(Path.Combine(snapshotsRoot, CopyDirectory), options),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The snapshotter for a snapshots directory, chosen by <c>$PSCONTAINER_SNAPSHOTTER</c> or detection.</summary>
    public static SnapshotStore ForDirectory(string snapshotsRoot) =>
        Create(Choose(snapshotsRoot, Environment.GetEnvironmentVariable(Variable)), snapshotsRoot);
}
