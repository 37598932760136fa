using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Mark and sweep over the store (containerd's garbage collector, reduced): the roots are the image records (named
/// and dangling) and the images that containers were created from; everything they reach is kept — for an image its
/// target, manifest, config and layer blobs and the snapshot of every layer chain; for a container's image its config
/// and chains (a container's rootfs is those snapshots) — and every other blob, snapshot and abandoned ingest is deleted.
/// The caller holds the exclusive GC lock and the image store's lock, so nothing can appear half-recorded meanwhile.
/// </summary>
internal sealed class GarbageCollector
{
    private readonly IContentStore _content;
    private readonly ImageDocuments _documents;
    private readonly ISnapshotter _snapshotter;

    public GarbageCollector(IContentStore content, ImageDocuments documents, ISnapshotter snapshotter)
    {
        _content = content;
        _documents = documents;
        _snapshotter = snapshotter;
    }

    public GarbageCollectionResult Collect(IReadOnlyList<ImageRecord> records, IEnumerable<Digest> containerImages)
    {
        var blobs = new HashSet<Digest>();
        var chains = new HashSet<Digest>();
        // A config that cannot be read leaves its chains unknown: then no snapshot is swept at all, since one of
        // them may be a running container's root filesystem.
        bool chainsKnown = true;
        foreach (var record in records)
        {
            blobs.Add(record.Target.Digest);
            blobs.Add(record.Manifest.Digest);
            blobs.Add(record.Config);
            if (TryRead(() => _documents.Manifest(record.Manifest.Digest)) is { } manifest)
            {
                blobs.UnionWith(manifest.Layers.Select(l => l.Digest));
                blobs.Add(manifest.Config.Digest);
            }
            chainsKnown &= MarkChains(record.Config, chains);
        }
        foreach (var id in containerImages)
        {
            blobs.Add(id);
            chainsKnown &= MarkChains(id, chains);
        }

        long blobBytes = 0;
        int blobCount = 0;
        foreach (var blob in _content.List().ToList())
        {
            if (!blobs.Contains(blob.Digest) && _content.Delete(blob.Digest))
            {
                blobBytes += blob.Size;
                blobCount++;
            }
        }
        long snapshotBytes = 0;
        int snapshotCount = 0;
        foreach (var snapshot in chainsKnown ? _snapshotter.List().OrderByDescending(ChainDepth).ToList() : [])
        {
            // Children first, so a parent never disappears under a child that is still there.
            if (!chains.Contains(snapshot.ChainId) && _snapshotter.Remove(snapshot.ChainId))
            {
                snapshotBytes += snapshot.Size;
                snapshotCount++;
            }
        }
        int ingests = _content.RemoveAbandonedIngests();
        return new GarbageCollectionResult(blobCount, blobBytes, snapshotCount, snapshotBytes, ingests);
    }

    private int ChainDepth(SnapshotInfo snapshot)
    {
        int depth = 0;
        for (var parent = snapshot.Parent; parent is { } p && depth < 10_000; parent = _snapshotter.Stat(p)?.Parent)
        {
            depth++;
        }
        return depth;
    }

    private bool MarkChains(Digest config, HashSet<Digest> chains)
    {
        if (TryRead(() => _documents.Config(config)) is not { } parsed)
        {
            return false;
        }
        chains.UnionWith(ChainIds.Compute(parsed.RootFS.DiffIds));
        return true;
    }

    /// <summary>A document that is missing or unreadable marks nothing more (the store may hold a record of a damaged image).</summary>
    private static T? TryRead<T>(Func<T> read) where T : class
    {
        try
        {
            return read();
        }
        catch (ContainerRuntimeException e) when (e.Kind is ErrorKind.NotFound or ErrorKind.DataLoss or ErrorKind.InvalidArgument)
        {
            return null;
        }
    }
}

/// <summary>What a garbage collection freed.</summary>
public sealed record GarbageCollectionResult(int Blobs, long BlobBytes, int Snapshots, long SnapshotBytes, int Ingests)
{
    public long ReclaimedBytes => BlobBytes + SnapshotBytes;
}
