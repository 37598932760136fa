using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Pulls one image: resolve the reference, walk the descriptor graph (index → manifest → config, layers), store every
/// blob verified, unpack the layers, and return the record to name — the caller names it only when all of this is done.
///
/// Layers download in parallel (bounded, lowest layers first) while a single unpacker follows them up the stack:
/// layer i is unpacked as soon as its blob is stored and layer i-1 is unpacked, so unpacking overlaps the downloads
/// of the layers above. The snapshotter verifies each layer's DiffID while it unpacks (one mechanism for both). The
/// first failure anywhere cancels the rest.
/// </summary>
public sealed class ImagePuller
{
    private const int MaxConcurrentDownloads = 3;
    private const int MaxBlobAttempts = 5;
    private readonly RegistryClient _registry;
    private readonly IContentStore _content;
    private readonly ImageDocuments _documents;
    private readonly ISnapshotter? _snapshotter;

    /// <param name="snapshotter">Unpacks the layers; null to fetch content only.</param>
    public ImagePuller(RegistryClient registry, IContentStore content, ImageDocuments documents, ISnapshotter? snapshotter = null)
    {
        _registry = registry;
        _content = content;
        _documents = documents;
        _snapshotter = snapshotter;
    }

    /// <summary>Fetches (and unpacks) all content of <paramref name="reference"/> for <paramref name="platform"/> and returns the record to store.</summary>
    public async Task<ImageRecord> PullAsync(ImageReference reference, Platform platform, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        string name = reference.ToString();
        string familiar = reference.ToFamiliarString();
        progress?.Report(new PullProgress(PullPhase.Resolving, name, Message: $"Resolving {familiar}"));
        var (repository, top) = await _registry.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Resolved, name, top.Digest, Message: $"{familiar}: resolved to {top.Digest} at {repository}"));
        var target = new Descriptor { MediaType = top.MediaType, Digest = top.Digest, Size = top.Content.Length };

        var manifestDescriptor = target;
        byte[] manifestBytes = top.Content;
        if (MediaTypes.IsSchema1(top.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageSchema1Unsupported",
                $"{familiar}: Docker image manifest schema 1 is deprecated and not supported; push the image again with a current tool") { Target = name };
        }
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var index = ImageDocuments.Parse(top.Content, SpecJsonContext.Default.ImageIndex, $"{reference} index");
            manifestDescriptor = ManifestSelector.Select(index, platform, familiar);
            var manifest = await _registry.FetchManifestAsync(repository, manifestDescriptor.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            if (manifest.Digest != manifestDescriptor.Digest)
            {
                throw ContainerRuntimeException.DataLoss("ManifestDigestMismatch",
                    $"{familiar}: manifest {manifestDescriptor.Digest} arrived with digest {manifest.Digest}", name);
            }
            manifestBytes = manifest.Content;
            manifestDescriptor = manifestDescriptor with { MediaType = string.IsNullOrEmpty(manifestDescriptor.MediaType) ? manifest.MediaType : manifestDescriptor.MediaType, Size = manifest.Content.Length };
            await ContentHelpers.WriteBlobAsync(_content, target, top.Content, cancellationToken).ConfigureAwait(false);
        }
        else if (!MediaTypes.IsManifest(top.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageMediaTypeUnsupported",
                $"{familiar}: unsupported media type \"{top.MediaType}\"") { Target = name };
        }

        var imageManifest = ImageDocuments.Parse(manifestBytes, SpecJsonContext.Default.ImageManifest, $"{reference} manifest");
        Validate(imageManifest, familiar, name);

        // The config is small and tells the DiffIDs; fetch it before the layers.
        await FetchBlobAsync(repository, imageManifest.Config, name, null, cancellationToken).ConfigureAwait(false);
        var config = _documents.Config(imageManifest.Config.Digest);
        if (config.RootFS.DiffIds.Count != imageManifest.Layers.Count)
        {
            throw ContainerRuntimeException.DataLoss("ImageConfigMismatch",
                $"{familiar}: the manifest has {imageManifest.Layers.Count} layers but the config lists {config.RootFS.DiffIds.Count} diff_ids", name);
        }

        await FetchAndUnpackAsync(repository, imageManifest.Layers, config.RootFS.DiffIds, name, progress, cancellationToken).ConfigureAwait(false);
        // The manifest blob last: a manifest in the store means everything it names is there too.
        await ContentHelpers.WriteBlobAsync(_content, manifestDescriptor with { Size = manifestBytes.Length }, manifestBytes, cancellationToken).ConfigureAwait(false);

        var now = DateTimeOffset.UtcNow;
        return new ImageRecord
        {
            Name = name,
            Target = target,
            Manifest = manifestDescriptor,
            Config = imageManifest.Config.Digest,
            Created = now,
            Updated = now,
        };
    }

    private static void Validate(ImageManifest manifest, string familiar, string name)
    {
        if (!MediaTypes.IsConfig(manifest.Config.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageMediaTypeUnsupported",
                $"{familiar}: config media type \"{manifest.Config.MediaType}\" is not a container image (an artifact?)") { Target = name };
        }
        foreach (var layer in manifest.Layers)
        {
            if (MediaTypes.LayerCompressionOf(layer.MediaType) is null)
            {
                throw new ContainerRuntimeException(ErrorKind.NotImplemented, "LayerMediaTypeUnsupported",
                    $"{familiar}: layer {layer.Digest} has unsupported media type \"{layer.MediaType}\"") { Target = name };
            }
            if (layer.Size < 0)
            {
                throw ContainerRuntimeException.DataLoss("InvalidDescriptor", $"{familiar}: layer {layer.Digest} has a negative size", name);
            }
        }
    }

    /// <summary>
    /// Downloads every layer (at most <see cref="MaxConcurrentDownloads"/> at once, in layer order) and unpacks them in
    /// order as they arrive. Both sides share one cancellation: the first failure stops everything and is what is thrown.
    /// </summary>
    private async Task FetchAndUnpackAsync(RemoteRepository repository, IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, string name,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(MaxConcurrentDownloads);
        var downloads = new Dictionary<Digest, Task>();
        foreach (var layer in layers)
        {
            if (!downloads.ContainsKey(layer.Digest))
            {
                progress?.Report(new PullProgress(PullPhase.Waiting, name, layer.Digest, 0, layer.Size));
                downloads[layer.Digest] = Guard(DownloadAsync(layer));
            }
        }
        var tasks = downloads.Values.ToList();
        if (_snapshotter is not null)
        {
            tasks.Add(Guard(UnpackAllAsync()));
        }
        await Dispatch.WhenAllAsync(tasks, cancellationToken).ConfigureAwait(false);

        async Task Guard(Task work)
        {
            try
            {
                await work.ConfigureAwait(false);
            }
            catch
            {
                session.Cancel();
                throw;
            }
        }

        async Task DownloadAsync(Descriptor layer)
        {
            await gate.WaitAsync(session.Token).ConfigureAwait(false);
            try
            {
                await FetchBlobAsync(repository, layer, name, progress, session.Token).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        async Task UnpackAllAsync()
        {
            var chain = ChainIds.Compute(diffIds);
            for (int i = 0; i < layers.Count; i++)
            {
                var layer = layers[i];
                await downloads[layer.Digest].WaitAsync(session.Token).ConfigureAwait(false);
                if (_snapshotter!.Exists(chain[i]))
                {
                    progress?.Report(new PullProgress(PullPhase.Unpacked, name, layer.Digest, layer.Size, layer.Size, "Already exists"));
                    continue;
                }
                progress?.Report(new PullProgress(PullPhase.Unpacking, name, layer.Digest, 0, layer.Size));
                await UnpackAsync(repository, layer, diffIds[i], chain[i], i == 0 ? null : chain[i - 1], name, progress, session.Token).ConfigureAwait(false);
                progress?.Report(new PullProgress(PullPhase.Unpacked, name, layer.Digest, layer.Size, layer.Size));
            }
        }
    }

    /// <summary>
    /// Unpacks one layer. A blob that was already in the store and turns out damaged (its content does not match the
    /// DiffID, or does not decompress) is deleted and downloaded again, once: the registry has the good bytes.
    /// </summary>
    private async Task UnpackAsync(RemoteRepository repository, Descriptor layer, Digest diffId, Digest chainId, Digest? parent, string name,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var source = new LayerSource(diffId, layer.MediaType, () => _content.OpenRead(layer.Digest));
        try
        {
            await _snapshotter!.EnsureAsync(chainId, parent, source, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException e) when (e.Kind == ErrorKind.DataLoss && !VerifiesAsStored(layer))
        {
            _content.Delete(layer.Digest);
            await FetchBlobAsync(repository, layer, name, progress, cancellationToken).ConfigureAwait(false);
            await _snapshotter!.EnsureAsync(chainId, parent, source, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether a stored blob still hashes to its digest (true also when it is gone: nothing to repair then).</summary>
    private bool VerifiesAsStored(Descriptor blob)
    {
        try
        {
            using var stream = _content.OpenRead(blob.Digest);
            using var hash = blob.Digest.CreateHash();
            byte[] buffer = new byte[1 << 17];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
            return Digest.FromHash(blob.Digest.Algorithm, hash.GetHashAndReset()) == blob.Digest;
        }
        catch (ContainerRuntimeException e) when (e.Kind == ErrorKind.NotFound)
        {
            return true;
        }
    }

    /// <summary>
    /// Downloads one blob into the content store unless it is already there. A broken transfer is resumed from what
    /// the ingest holds (HTTP Range); bytes that do not verify are discarded and fetched again; after
    /// <see cref="MaxBlobAttempts"/> attempts the last failure is thrown and nothing unverified is left in the store.
    /// </summary>
    private async Task FetchBlobAsync(RemoteRepository repository, Descriptor blob, string name, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var writer = await _content.OpenWriterAsync(blob, cancellationToken).ConfigureAwait(false);
            if (writer is null)
            {
                progress?.Report(new PullProgress(PullPhase.AlreadyExists, name, blob.Digest, blob.Size, blob.Size));
                return;
            }
            try
            {
                if (writer.Offset < blob.Size)
                {
                    var (stream, resumed) = await _registry.FetchBlobAsync(repository, blob, writer.Offset, cancellationToken).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        if (!resumed)
                        {
                            writer.Reset();
                        }
                        var bytes = progress is null ? null : new Progress<long>(n => progress.Report(new PullProgress(PullPhase.Downloading, name, blob.Digest, n, blob.Size)));
                        await ContentHelpers.CopyAsync(stream, writer, bytes, cancellationToken).ConfigureAwait(false);
                    }
                }
                await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(new PullProgress(PullPhase.Downloaded, name, blob.Digest, blob.Size, blob.Size));
                return;
            }
            catch (Exception e) when (attempt < MaxBlobAttempts && IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // Out of attempts.
                throw ContainerRuntimeException.Unavailable("BlobDownloadFailed", $"{repository}: blob {blob.Digest}: {e.Message}", e, blob.Digest);
            }
        }
    }

    /// <summary>
    /// Failures a new attempt can cure: a connection broken in the middle of the body (the next attempt resumes with
    /// Range), and bytes damaged in transit (the ingest was discarded, so the retry starts clean). An unavailable
    /// registry is not among them: the transport already retried that request with backoff.
    /// </summary>
    private static bool IsTransient(Exception e) =>
        e is IOException or HttpRequestException
        || e is ContainerRuntimeException { ErrorId: "BlobDigestMismatch" or "BlobSizeExceeded" or "BlobSizeMismatch" };
}
