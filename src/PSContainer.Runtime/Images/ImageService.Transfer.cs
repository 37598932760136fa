using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images.Archives;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime.Images;

// Moving images in and out of the store: pull (and unpack), push, export, import.
public sealed partial class ImageService
{
    /// <summary>
    /// Pulls an image and unpacks its layers (overlapped: <see cref="ImagePuller"/>); the name is recorded only when
    /// everything is in place. Holds the GC lock shared throughout, so a collection cannot remove content this pull
    /// found already stored (and therefore did not download) before the name protects it.
    /// </summary>
    public async Task<ContainerImage> PullAsync(string name, Platform? platform, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(name);
        using var gcLock = await SharedGcLockAsync(cancellationToken).ConfigureAwait(false);
        using var registry = _registry();
        var puller = new ImagePuller(registry, _content, _documents, _snapshotter);
        var record = await puller.PullAsync(reference, platform ?? Platform.Host, progress, cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(record, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Complete, record.Name, record.Target.Digest, Message: $"Digest: {record.Target.Digest}"));
        return ToImage(_store.Get(record.Name) ?? record);
    }

    /// <summary>Makes sure every layer of an image is unpacked (idempotent; cheap when they are).</summary>
    public async Task EnsureUnpackedAsync(ContainerImage image, CancellationToken cancellationToken)
    {
        using var gcLock = await SharedGcLockAsync(cancellationToken).ConfigureAwait(false);
        await UnpackAsync(image.Record, image.ToString(), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unpacks an image's layers bottom up from blobs already in the store.</summary>
    private async Task UnpackAsync(ImageRecord record, string name, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var manifest = _documents.Manifest(record.Manifest.Digest);
        var config = _documents.Config(record.Config);
        var chain = ChainIds.Compute(config.RootFS.DiffIds);
        for (int i = 0; i < chain.Count; i++)
        {
            var layer = manifest.Layers[i];
            if (_snapshotter.Exists(chain[i]))
            {
                progress?.Report(new PullProgress(PullPhase.Unpacked, name, layer.Digest, layer.Size, layer.Size, "Already exists"));
                continue;
            }
            progress?.Report(new PullProgress(PullPhase.Unpacking, name, layer.Digest, 0, layer.Size));
            var source = new LayerSource(config.RootFS.DiffIds[i], layer.MediaType, () => _content.OpenRead(layer.Digest));
            await _snapshotter.EnsureAsync(chain[i], i == 0 ? null : chain[i - 1], source, cancellationToken).ConfigureAwait(false);
            progress?.Report(new PullProgress(PullPhase.Unpacked, name, layer.Digest, layer.Size, layer.Size));
        }
    }

    /// <summary>
    /// Pushes an image to <paramref name="destination"/> (default: its own name), as docker push does; returns the
    /// digest the registry stored its manifest under. <paramref name="chunkSize"/> is the largest blob sent in one
    /// request; bigger ones go in chunks of that size.
    /// </summary>
    public async Task<Digest> PushAsync(ContainerImage image, string? destination, long? chunkSize, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var reference = destination is null
            ? image.Reference ?? throw ContainerRuntimeException.InvalidArgument("PushDestinationRequired", $"image {image.ShortId} has no name: give a destination to push it to", image.Id)
            : ImageReference.Parse(destination);
        using var gcLock = await SharedGcLockAsync(cancellationToken).ConfigureAwait(false);
        using var registry = _registry();
        var pusher = new ImagePusher(registry, _content, _documents) { ChunkSize = chunkSize ?? 32 << 20 };
        return await pusher.PushAsync(image.Record, reference, _store.List(), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes images to an archive or an OCI layout directory. Each image goes with the names given for it (an image
    /// without names gets none).
    /// </summary>
    public async Task ExportAsync(IReadOnlyList<(ContainerImage Image, IReadOnlyList<string> Names)> images, string path, ArchiveFormat format, CancellationToken cancellationToken)
    {
        using var gcLock = await SharedGcLockAsync(cancellationToken).ConfigureAwait(false);
        var exporter = new ImageExporter(_content, _documents);
        var items = images.Select(i => (i.Image.Record, i.Names)).ToList();
        await exporter.ExportAsync(items, path, format, TemporaryDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the images of an archive (docker-archive or oci-archive, possibly gzip- or zstd-compressed) or an OCI layout
    /// directory into the store, unpacks them and names them. Returns one image per name (an unnamed image: dangling).
    /// </summary>
    public async Task<IReadOnlyList<ContainerImage>> ImportAsync(string path, Platform? platform, CancellationToken cancellationToken)
    {
        using var gcLock = await SharedGcLockAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ImportedImage> imported;
        using (var archive = await Task.Run(() => ArchiveSource.Open(Path.GetFullPath(path), TemporaryDirectory), cancellationToken).ConfigureAwait(false))
        {
            imported = await new ImageImporter(_content).ImportAsync(archive, platform ?? Platform.Host, cancellationToken).ConfigureAwait(false);
        }
        var now = DateTimeOffset.UtcNow;
        var result = new List<ContainerImage>();
        foreach (var image in imported)
        {
            var record = new ImageRecord { Name = "", Target = image.Target, Manifest = image.Manifest, Config = image.Config, Created = now, Updated = now };
            await UnpackAsync(record, image.Names.FirstOrDefault() ?? image.Config.ToString(), null, cancellationToken).ConfigureAwait(false);
            var stored = await _store.UpdateAsync(list =>
            {
                if (image.Names.Count == 0)
                {
                    ImageNames.AddDangling(list, record);
                    return (true, new[] { list.First(r => r.Config == record.Config) });
                }
                foreach (string name in image.Names)
                {
                    ImageNames.Put(list, record with { Name = name }, now);
                }
                return (true, image.Names.Select(n => list.First(r => !r.IsDangling && r.Name == n)).ToArray());
            }, cancellationToken).ConfigureAwait(false);
            result.AddRange(stored.Select(ToImage));
        }
        return result;
    }

    /// <summary>Scratch space for archives (decompressed copies, uncompressed layers); emptied by garbage collection.</summary>
    private string TemporaryDirectory => Path.Combine(Path.GetDirectoryName(_store.Directory)!, "tmp");
}
