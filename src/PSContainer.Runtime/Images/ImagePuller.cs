using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Pulls one image: resolve the reference, walk the descriptor graph (index → manifest → config, layers),
/// store every blob verified, and name the result in the image store only when all of its content is there.
/// Layers download in parallel (bounded); the first failure cancels the rest.
/// </summary>
public sealed class ImagePuller
{
    private const int MaxConcurrentDownloads = 3;
    private const int MaxBlobAttempts = 5;
    private readonly RegistryClient _registry;
    private readonly IContentStore _content;
    private readonly ImageDocuments _documents;

    public ImagePuller(RegistryClient registry, IContentStore content, ImageDocuments documents)
    {
        _registry = registry;
        _content = content;
        _documents = documents;
    }

    /// <summary>Fetches all content of <paramref name="reference"/> for <paramref name="platform"/> and returns the record to store.</summary>
    public async Task<ImageRecord> PullAsync(ImageReference reference, Platform platform, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        string name = reference.ToString();
        progress?.Report(new PullProgress(PullPhase.Resolving, name, Message: $"Resolving {reference.ToFamiliarString()}"));
        var (repository, top) = await _registry.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Resolved, name, top.Digest, Message: $"{reference.ToFamiliarString()}: resolved to {top.Digest} at {repository}"));
        var target = new Descriptor { MediaType = top.MediaType, Digest = top.Digest, Size = top.Content.Length };

        var manifestDescriptor = target;
        byte[] manifestBytes = top.Content;
        if (MediaTypes.IsSchema1(top.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageSchema1Unsupported",
                $"{reference.ToFamiliarString()}: Docker image manifest schema 1 is deprecated and not supported; push the image again with a current tool") { Target = name };
        }
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var index = ImageDocuments.Parse(top.Content, SpecJsonContext.Default.ImageIndex, $"{reference} index");
            manifestDescriptor = ManifestSelector.Select(index, platform, reference.ToFamiliarString());
            var manifest = await _registry.FetchManifestAsync(repository, manifestDescriptor.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            if (manifest.Digest != manifestDescriptor.Digest)
            {
                throw ContainerRuntimeException.DataLoss("ManifestDigestMismatch",
                    $"{reference.ToFamiliarString()}: manifest {manifestDescriptor.Digest} arrived with digest {manifest.Digest}", name);
            }
            manifestBytes = manifest.Content;
            manifestDescriptor = manifestDescriptor with { MediaType = string.IsNullOrEmpty(manifestDescriptor.MediaType) ? manifest.MediaType : manifestDescriptor.MediaType, Size = manifest.Content.Length };
            await ContentHelpers.WriteBlobAsync(_content, target, top.Content, cancellationToken).ConfigureAwait(false);
        }
        else if (!MediaTypes.IsManifest(top.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageMediaTypeUnsupported",
                $"{reference.ToFamiliarString()}: unsupported media type \"{top.MediaType}\"") { Target = name };
        }

        var imageManifest = ImageDocuments.Parse(manifestBytes, SpecJsonContext.Default.ImageManifest, $"{reference} manifest");
        if (!MediaTypes.IsConfig(imageManifest.Config.MediaType))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ImageMediaTypeUnsupported",
                $"{reference.ToFamiliarString()}: config media type \"{imageManifest.Config.MediaType}\" is not a container image (an artifact?)") { Target = name };
        }
        foreach (var layer in imageManifest.Layers)
        {
            if (MediaTypes.LayerCompressionOf(layer.MediaType) is null)
            {
                throw new ContainerRuntimeException(ErrorKind.NotImplemented, "LayerMediaTypeUnsupported",
                    $"{reference.ToFamiliarString()}: layer {layer.Digest} has unsupported media type \"{layer.MediaType}\"") { Target = name };
            }
        }

        // The config is small and tells the DiffIDs; fetch it before the layers.
        await FetchBlobAsync(repository, imageManifest.Config, name, null, cancellationToken).ConfigureAwait(false);
        var config = _documents.Config(imageManifest.Config.Digest);
        if (config.RootFS.DiffIds.Count != imageManifest.Layers.Count)
        {
            throw ContainerRuntimeException.DataLoss("ImageConfigMismatch",
                $"{reference.ToFamiliarString()}: the manifest has {imageManifest.Layers.Count} layers but the config lists {config.RootFS.DiffIds.Count} diff_ids", name);
        }

        await FetchLayersAsync(repository, imageManifest.Layers, name, progress, cancellationToken).ConfigureAwait(false);
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

    private async Task FetchLayersAsync(RemoteRepository repository, IReadOnlyList<Descriptor> layers, string name, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(MaxConcurrentDownloads);
        var tasks = layers.Distinct().Select(async layer =>
        {
            progress?.Report(new PullProgress(PullPhase.Waiting, name, layer.Digest, 0, layer.Size));
            await gate.WaitAsync(session.Token).ConfigureAwait(false);
            try
            {
                await FetchBlobAsync(repository, layer, name, progress, session.Token).ConfigureAwait(false);
            }
            catch
            {
                // The first failure cancels its siblings.
                session.Cancel();
                throw;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Report the failure that caused the cancellation, not the cancellation.
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            throw;
        }
    }

    /// <summary>
    /// Downloads one blob into the content store unless it is already there. A broken transfer is resumed
    /// from what the ingest holds (HTTP Range); a digest mismatch discards it and fails.
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
    /// Failures a new attempt can cure: a broken connection, an unavailable registry, and bytes damaged in
    /// transit (the ingest was discarded, so the retry starts clean).
    /// </summary>
    private static bool IsTransient(Exception e) =>
        e is IOException or HttpRequestException
        || e is ContainerRuntimeException { Kind: ErrorKind.Unavailable }
        || e is ContainerRuntimeException { ErrorId: "BlobDigestMismatch" or "BlobSizeExceeded" or "BlobSizeMismatch" };
}
