using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// Snapshots for where overlayfs cannot be used (containerd's "native"): each snapshot's <c>fs/</c> is a full copy
/// of its parent with the layer applied on top, whiteouts applied (lower paths deleted, opaque directories cleared).
/// Regular files are hardlinks to the parent's (data is stored once per chain); directories, symlinks and devices are
/// per snapshot. A container gets a full, private copy of its image's tree. It needs nothing from the kernel but
/// ordinary files.
/// </summary>
public sealed class CopySnapshotter : SnapshotStore
{
    private readonly LayerUnpackOptions _options;

    public CopySnapshotter(string root, LayerUnpackOptions? options = null)
        : base(root)
    {
        _options = (options ?? new LayerUnpackOptions()) with { WhiteoutMode = WhiteoutMode.Apply, LowerDirectories = [] };
    }

    /// <summary>
    /// Copies the top snapshot into <paramref name="upperDirectory"/> (once: an upper directory that already has
    /// content is the container's own and is kept) and returns a read-write recursive bind mount of it.
    /// <paramref name="workDirectory"/> is created but unused.
    /// </summary>
    public override IReadOnlyList<Mount> PrepareRootfs(Digest? topChainId, string upperDirectory, string workDirectory, bool ephemeral = false)
    {
        string upper = Path.GetFullPath(upperDirectory);
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(workDirectory);
        string source = topChainId is { } top ? Chain(top)[0] : EmptyDirectory();
        if (!Directory.EnumerateFileSystemEntries(upper).Any())
        {
            TreeCopier.Copy(source, upper);
        }
        return [new Mount { Type = "bind", Source = upper, Options = ["rbind", "rw"] }];
    }

    protected override long Populate(string fs, Digest? parentChainId, LayerSource layer, CancellationToken cancellationToken)
    {
        if (parentChainId is { } parent)
        {
            // Files are shared with the parent snapshot (hardlinks): snapshots are immutable and the unpacker only
            // ever replaces a file, never writes into one. A container's tree (PrepareRootfs) gets real copies.
            TreeCopier.Copy(Chain(parent)[0], fs, shareFiles: true);
        }
        using var compressed = layer.OpenCompressed();
        using var tar = Decompression.Open(compressed, layer.MediaType, layer.DiffId.ToString());
        return new LayerUnpacker(_options).Unpack(tar, fs, layer.DiffId, layer.DiffId.ToString(), cancellationToken).UncompressedSize;
    }
}
