using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// Unpacked layers, one directory per layer ChainID, shared by every image and container that uses them
/// (containerd's snapshotter, reduced to what PSContainer needs).
///
/// Lifecycle: a layer is unpacked into a private <c>new-*</c> directory, its DiffID is verified while the
/// tar is read, and only then is the directory renamed to its ChainID name — a half-unpacked layer is never
/// visible. A snapshot, once committed, is immutable. Containers never write into snapshots: they get an
/// upper/work pair of their own, and the snapshotter only describes the rootfs as <see cref="Mount"/> records;
/// <c>Linux/Mounter</c> (in the shim) performs them.
/// </summary>
public interface ISnapshotter
{
    /// <summary>True when the snapshot for <paramref name="chainId"/> is committed.</summary>
    bool Exists(Digest chainId);

    /// <summary>
    /// Makes sure the snapshot for <paramref name="chainId"/> exists: unpacks <paramref name="layer"/> on top of
    /// <paramref name="parentChainId"/> (which must already exist) unless another caller or process already did.
    /// Idempotent, safe under concurrent calls from several processes, and safe after a kill -9 at any point.
    /// Fails with DataLoss when the uncompressed content does not hash to the layer's DiffID.
    /// </summary>
    Task<SnapshotInfo> EnsureAsync(Digest chainId, Digest? parentChainId, LayerSource layer, CancellationToken cancellationToken);

    /// <summary>Information about a committed snapshot, or null.</summary>
    SnapshotInfo? Stat(Digest chainId);

    /// <summary>Every committed snapshot.</summary>
    IEnumerable<SnapshotInfo> List();

    /// <summary>
    /// The mounts that make a container's root filesystem: the chain ending at <paramref name="topChainId"/>
    /// (null for an image without layers) as read-only lower layers, <paramref name="upperDirectory"/> and
    /// <paramref name="workDirectory"/> (created if missing) for the container's own changes. An
    /// <paramref name="ephemeral"/> container's changes die with it (docker run --rm): they need not reach the disk.
    /// </summary>
    IReadOnlyList<Mount> PrepareRootfs(Digest? topChainId, string upperDirectory, string workDirectory, bool ephemeral = false);

    /// <summary>Removes a committed snapshot (the caller checks that nothing uses it). Returns false if absent.</summary>
    bool Remove(Digest chainId);
}
