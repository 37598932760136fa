using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// Snapshots for overlayfs: each committed snapshot's <c>fs/</c> holds only its own layer, with whiteouts written
/// the overlayfs way (0/0 character devices, <c>trusted.overlay.opaque=y</c>), and a container's rootfs is one
/// overlay mount of the chain plus the container's own upper/work directories.
///
/// Unlike containerd (short numeric ids, because <c>lowerdir=</c> is one option string limited to a page),
/// directories are named by chain ID: every lower layer is its own <c>lowerdir+=</c> option, which the mounter
/// passes one fsconfig call at a time, so the number of layers has no length limit.
/// </summary>
public sealed class OverlaySnapshotter : SnapshotStore
{
    private readonly LayerUnpackOptions _options;

    public OverlaySnapshotter(string root, LayerUnpackOptions? options = null)
        : base(root)
    {
        _options = (options ?? new LayerUnpackOptions()) with { WhiteoutMode = WhiteoutMode.Overlay };
    }

    /// <summary>overlayfs's "volatile" (Linux 5.10): the upper filesystem is never synced for this mount.</summary>
    public const string VolatileOption = "volatile";

    /// <summary>
    /// A volatile overlay leaves &lt;workdir&gt;/work/incompat/volatile behind, and the kernel refuses to mount that
    /// upper directory again while it is there (after a crash its content cannot be trusted). Before a container
    /// is mounted again (docker restart), its previous run has ended and its mount is gone: the marker is cleared.
    /// </summary>
    public static void ClearVolatileMarker(Mount mount)
    {
        string? work = mount.Options?.FirstOrDefault(o => o.StartsWith("workdir=", StringComparison.Ordinal))?["workdir=".Length..];
        if (mount.Type == "overlay" && work is not null && mount.Options!.Contains(VolatileOption))
        {
            string marker = Path.Combine(work, "work", "incompat");
            if (Directory.Exists(marker))
            {
                Directory.Delete(marker, recursive: true);
            }
        }
    }

    /// <summary>
    /// One overlay mount: <c>lowerdir+=</c> for the init directory (the runtime's mount points, see
    /// SnapshotStore.InitDirectory) and each layer of the chain, top first, then <c>upperdir=</c> and
    /// <c>workdir=</c>. Even a single-layer image gets an overlay, so that the container's writes land in its upper
    /// directory and never in the shared snapshot. An ephemeral container's overlay is <c>volatile</c> (podman does
    /// the same for run --rm): no sync of the upper filesystem when it is unmounted or when the container calls
    /// fsync — its upper directory is deleted when it ends anyway.
    /// </summary>
    public override IReadOnlyList<Mount> PrepareRootfs(Digest? topChainId, string upperDirectory, string workDirectory, bool ephemeral = false)
    {
        // The init directory first (topmost): the runtime's mount points exist before the container starts, so
        // stage 2 creates nothing in the upper directory (see InitDirectory).
        List<string> lowers = [InitDirectory(), .. topChainId is { } top ? Chain(top) : []];
        string upper = Path.GetFullPath(upperDirectory);
        string work = Path.GetFullPath(workDirectory);
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        var options = new List<string>(lowers.Count + 2);
        foreach (string lower in lowers)
        {
            options.Add("lowerdir+=" + lower);
        }
        options.Add("upperdir=" + upper);
        options.Add("workdir=" + work);
        if (ephemeral)
        {
            options.Add(VolatileOption);
        }
        return [new Mount { Type = "overlay", Source = "overlay", Options = options }];
    }

    protected override long Populate(string fs, Digest? parentChainId, LayerSource layer, CancellationToken cancellationToken)
    {
        // The parents' directories let the unpacker give implicitly created directories their lower metadata.
        var options = _options with { LowerDirectories = parentChainId is { } parent ? Chain(parent) : [] };
        using var compressed = layer.OpenCompressed();
        using var tar = Decompression.Open(compressed, layer.MediaType, layer.DiffId.ToString());
        return new LayerUnpacker(options).Unpack(tar, fs, layer.DiffId, layer.DiffId.ToString(), cancellationToken).UncompressedSize;
    }
}
