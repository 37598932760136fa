using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// Looking into layers and root filesystems: a layer's entries, what a container changed, how two images differ.
/// Read-only over the content store, the snapshots and the containers' directories; nothing here mounts.
/// </summary>
public sealed class RootfsInspector
{
    /// <summary>Mount points every container gets from the runtime (psc-shim's defaults), whether the image has them or not.</summary>
    private static readonly string[] RuntimeMountPoints = ["/proc", "/dev", "/sys"];

    private readonly IContentStore _content;
    private readonly ImageService _images;
    private readonly string _snapshotsRoot;

    public RootfsInspector(IContentStore content, ImageService images, string snapshotsRoot)
    {
        _content = content;
        _images = images;
        _snapshotsRoot = snapshotsRoot;
    }

    /// <summary>
    /// The entries of one layer, streamed from its blob (opened when the enumeration starts, closed when it ends);
    /// the DiffID is checked once the last entry has been read.
    /// </summary>
    public IEnumerable<LayerEntry> LayerContent(ContainerLayer layer, bool hashContent = false, CancellationToken cancellationToken = default)
    {
        foreach (var entry in LayerContents.Read(_content.OpenRead(Digest.Parse(layer.Digest)), layer.MediaType, layer.Digest, layer.Index,
            Digest.Parse(layer.DiffId), hashContent, cancellationToken: cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>What a container changed against its image, sorted by path (docker diff).</summary>
    public IReadOnlyList<ContainerChange> Changes(Container container)
    {
        var bundle = Bundle.Load(container.Directory);
        var ignore = new HashSet<string>(RuntimeMountPoints, StringComparer.Ordinal);
        foreach (var mount in bundle.Spec.Mounts)
        {
            ignore.Add("/" + string.Join('/', mount.Destination.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        }
        return ChangeScanner.Scan(container.Name, bundle.RootfsMounts, () => ImageTreeOf(container), ignore);
    }

    /// <summary>The copy driver's full tree of a container's image (null for an image without layers).</summary>
    private string? ImageTreeOf(Container container)
    {
        var image = _images.Find(container.ImageId) ?? throw ContainerRuntimeException.NotFound("ImageNotFound",
            $"container {container.Name}: its image {container.ImageId} is no longer in the store, so there is nothing to compare with", container.Name);
        return _images.TopChainId(image) is { } chainId
            ? SnapshotterSelector.Create(SnapshotterKind.Copy, _snapshotsRoot).Stat(chainId)?.Directory
                ?? throw ContainerRuntimeException.NotFound("SnapshotNotFound", $"snapshot {chainId} does not exist", chainId)
            : null;
    }

    /// <summary>
    /// How <paramref name="difference"/>'s files differ from <paramref name="reference"/>'s, path by path (sorted), each with
    /// the layer of either image that last set it. Layers the two share (same ChainID) are read once.
    /// </summary>
    public IEnumerable<ImageFileDifference> Compare(ContainerImage reference, ContainerImage difference, IReadOnlyCollection<string>? properties,
        CancellationToken cancellationToken)
    {
        var left = _images.Layers(reference);
        var right = _images.Layers(difference);
        int shared = 0;
        while (shared < left.Count && shared < right.Count && left[shared].ChainId == right[shared].ChainId)
        {
            shared++;
        }
        var common = new ImageTree();
        for (int i = 0; i < shared; i++)
        {
            common.Apply(LayerContent(left[i], hashContent: true, cancellationToken));
        }
        var referenceTree = common.Clone();
        foreach (var layer in left.Skip(shared))
        {
            referenceTree.Apply(LayerContent(layer, hashContent: true, cancellationToken));
        }
        var differenceTree = common;
        foreach (var layer in right.Skip(shared))
        {
            differenceTree.Apply(LayerContent(layer, hashContent: true, cancellationToken));
        }
        return ImageTreeComparer.Compare(referenceTree, differenceTree, properties);
    }
}
