using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Pushes one image (docker push): every blob — config and layers, in parallel (bounded) — is first looked up with
/// HEAD and skipped when the repository has it; otherwise mounted from another repository of the same registry that
/// a local image came from (no bytes travel); otherwise uploaded, in one request when it fits in
/// <see cref="ChunkSize"/>, else in chunks. The manifest goes last, byte for byte as stored, so its digest is kept.
/// Layers with <c>urls</c> of a non-distributable type are not pushed (their bytes live elsewhere), as docker does.
/// </summary>
public sealed class ImagePusher
{
    private const int MaxConcurrentUploads = 3;
    private readonly RegistryClient _registry;
    private readonly IContentProvider _content;
    private readonly ImageDocuments _documents;

    public ImagePusher(RegistryClient registry, IContentProvider content, ImageDocuments documents)
    {
        _registry = registry;
        _content = content;
        _documents = documents;
    }

    /// <summary>Blobs larger than this are uploaded in chunks of this size (PATCH), smaller ones in one PUT.</summary>
    public long ChunkSize { get; init; } = 32 << 20;

    /// <summary>
    /// Pushes <paramref name="record"/>'s manifest and blobs to <paramref name="destination"/>. <paramref name="others"/>
    /// are the store's records, to find repositories of the same registry to mount blobs from. Returns the digest the
    /// registry stored the manifest under.
    /// </summary>
    public async Task<Digest> PushAsync(ImageRecord record, ImageReference destination, IReadOnlyList<ImageRecord> others, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        string name = destination.ToString();
        byte[] manifestBytes = ContentHelpers.ReadAllBytes(_content, record.Manifest.Digest);
        var manifest = _documents.Manifest(record.Manifest.Digest);
        var blobs = new List<Descriptor> { manifest.Config };
        blobs.AddRange(manifest.Layers.Where(l => !IsForeign(l)));
        blobs = blobs.DistinctBy(b => b.Digest).ToList();

        var sources = MountSources(destination, others, blobs);
        var repository = await _registry.OpenForPushAsync(destination, sources.Values.SelectMany(v => v), cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Resolved, name, record.Manifest.Digest, Message: $"The push refers to repository [{destination.Name}]"));

        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(MaxConcurrentUploads);
        var tasks = blobs.Select(async blob =>
        {
            progress?.Report(new PullProgress(PullPhase.Waiting, name, blob.Digest, 0, blob.Size));
            await gate.WaitAsync(session.Token).ConfigureAwait(false);
            try
            {
                await PushBlobAsync(repository, blob, sources.GetValueOrDefault(blob.Digest) ?? [], name, progress, session.Token).ConfigureAwait(false);
            }
            catch
            {
                session.Cancel();
                throw;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Dispatch.WhenAllAsync(tasks, cancellationToken).ConfigureAwait(false);

        // The manifest last: a registry refuses (or a reader would break on) a manifest whose blobs are missing.
        string reference = destination.Tag ?? destination.Digest!.Value.ToString();
        var digest = await _registry.PutManifestAsync(repository, reference, record.Manifest.MediaType, manifestBytes, cancellationToken).ConfigureAwait(false);
        if (destination.Digest is { } pinned && pinned != digest)
        {
            throw ContainerRuntimeException.InvalidArgument("PushDigestMismatch", $"{destination}: the image's manifest has digest {digest}", name);
        }
        progress?.Report(new PullProgress(PullPhase.Complete, name, digest, Message: $"{reference}: digest: {digest} size: {manifestBytes.Length}"));
        return digest;
    }

    /// <summary>A layer whose bytes live at its <c>urls</c> (docker's foreign layers, OCI's non-distributable ones).</summary>
    private static bool IsForeign(Descriptor layer) =>
        layer.MediaType.Contains("foreign", StringComparison.Ordinal)
        || (layer.Urls is { Count: > 0 } && layer.MediaType.Contains("nondistributable", StringComparison.Ordinal));

    private async Task PushBlobAsync(RemoteRepository repository, Descriptor blob, IReadOnlyList<string> mountFrom, string name, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        if (await _registry.BlobExistsAsync(repository, blob.Digest, cancellationToken).ConfigureAwait(false))
        {
            progress?.Report(new PullProgress(PullPhase.AlreadyExists, name, blob.Digest, blob.Size, blob.Size, "Layer already exists"));
            return;
        }
        Uri? upload = null;
        foreach (string from in mountFrom)
        {
            var (mounted, session) = await _registry.TryMountBlobAsync(repository, blob.Digest, from, cancellationToken).ConfigureAwait(false);
            if (mounted)
            {
                progress?.Report(new PullProgress(PullPhase.Mounted, name, blob.Digest, blob.Size, blob.Size, "Mounted from " + from));
                return;
            }
            upload ??= session;
        }
        if (_content.Info(blob.Digest) is not { } info || info.Size != blob.Size)
        {
            throw ContainerRuntimeException.NotFound("BlobNotFound", $"content {blob.Digest}: not in the store (the image is incomplete; pull it again)", blob.Digest);
        }
        progress?.Report(new PullProgress(PullPhase.Pushing, name, blob.Digest, 0, blob.Size));
        var bytes = progress is null ? null : new Progress<long>(n => progress.Report(new PullProgress(PullPhase.Pushing, name, blob.Digest, n, blob.Size)));
        await _registry.UploadBlobAsync(repository, blob, offset =>
        {
            var stream = _content.OpenRead(blob.Digest);
            stream.Position = offset;
            return stream;
        }, ChunkSize, upload, bytes, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Pushed, name, blob.Digest, blob.Size, blob.Size, "Pushed"));
    }

    /// <summary>For each blob, the other repositories of the destination registry that local images came from and that hold it.</summary>
    private Dictionary<Digest, IReadOnlyList<string>> MountSources(ImageReference destination, IReadOnlyList<ImageRecord> others, IReadOnlyList<Descriptor> blobs)
    {
        var wanted = blobs.Select(b => b.Digest).ToHashSet();
        var result = new Dictionary<Digest, List<string>>();
        foreach (var other in others.Where(r => !r.IsDangling))
        {
            if (!ImageReference.TryParse(other.Name, out var reference) || reference.Domain != destination.Domain || reference.Path == destination.Path)
            {
                continue;
            }
            ImageManifest manifest;
            try
            {
                manifest = _documents.Manifest(other.Manifest.Digest);
            }
            catch (ContainerRuntimeException)
            {
                continue;
            }
            foreach (var digest in manifest.Layers.Select(l => l.Digest).Append(manifest.Config.Digest).Where(wanted.Contains))
            {
                var list = result.TryGetValue(digest, out var l) ? l : result[digest] = [];
                if (!list.Contains(reference.Path))
                {
                    list.Add(reference.Path);
                }
            }
        }
        return result.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value);
    }
}
