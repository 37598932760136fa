using System.Text.Json;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images.Archives;

/// <summary>An image read from an archive, its blobs in the content store: what to record, and under which names.</summary>
public sealed record ImportedImage(Descriptor Target, Descriptor Manifest, Digest Config, IReadOnlyList<string> Names);

/// <summary>
/// Reads images from an archive into the content store, every blob verified against its digest as it is ingested:
/// <list type="bullet">
/// <item>an OCI layout (<c>index.json</c>; oci-archive, an OCI directory, and docker 25+'s docker save, which writes both):
/// each manifest of the index, or the matching platform of a nested index; names from the
/// <c>io.containerd.image.name</c> annotation, else <c>org.opencontainers.image.ref.name</c> when it holds a whole
/// reference (a bare tag names nothing);</item>
/// <item>a docker archive (<c>manifest.json</c>): config and layers as listed — uncompressed layers must hash to the
/// config's DiffIDs, compressed ones are kept as they are — under a Docker schema 2 manifest made for them, named by
/// <c>RepoTags</c>.</item>
/// </list>
/// </summary>
internal sealed class ImageImporter
{
    private const string UncompressedDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    private readonly IContentStore _content;

    public ImageImporter(IContentStore content)
    {
        _content = content;
    }

    public async Task<IReadOnlyList<ImportedImage>> ImportAsync(ArchiveSource archive, Platform platform, CancellationToken cancellationToken)
    {
        if (archive.Exists("index.json"))
        {
            return await ImportLayoutAsync(archive, platform, cancellationToken).ConfigureAwait(false);
        }
        if (archive.Exists("manifest.json"))
        {
            return await ImportDockerAsync(archive, cancellationToken).ConfigureAwait(false);
        }
        throw TarIndex.Invalid(archive.Description, "neither an OCI image layout (no index.json) nor a docker archive (no manifest.json)");
    }

    private async Task<IReadOnlyList<ImportedImage>> ImportLayoutAsync(ArchiveSource archive, Platform platform, CancellationToken cancellationToken)
    {
        var index = Parse(archive.ReadAll("index.json"), SpecJsonContext.Default.ImageIndex, archive, "index.json");
        var images = new List<ImportedImage>();
        var skipped = new List<string>();
        foreach (var entry in index.Manifests)
        {
            var names = NamesOf(entry.Annotations);
            var target = entry;
            var manifest = entry;
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                byte[] nestedBytes = ReadBlob(archive, entry);
                var nested = Parse(nestedBytes, SpecJsonContext.Default.ImageIndex, archive, entry.Digest.ToString());
                manifest = ManifestSelector.Select(nested, platform, names.FirstOrDefault() ?? entry.Digest.ToString());
                await ContentHelpers.WriteBlobAsync(_content, entry, nestedBytes, cancellationToken).ConfigureAwait(false);
            }
            else if (!MediaTypes.IsManifest(entry.MediaType))
            {
                continue;
            }
            else if (entry.Platform is { } entryPlatform && !platform.Matches(entryPlatform))
            {
                skipped.Add(Platform.Normalize(entryPlatform).ToString());
                continue;
            }
            byte[] manifestBytes = ReadBlob(archive, manifest);
            var parsed = Parse(manifestBytes, SpecJsonContext.Default.ImageManifest, archive, manifest.Digest.ToString());
            if (!MediaTypes.IsConfig(parsed.Config.MediaType))
            {
                continue;
            }
            foreach (var blob in parsed.Layers.Prepend(parsed.Config))
            {
                await IngestAsync(archive, blob, cancellationToken).ConfigureAwait(false);
            }
            // The manifest last: a manifest in the store means everything it names is there too.
            await ContentHelpers.WriteBlobAsync(_content, manifest, manifestBytes, cancellationToken).ConfigureAwait(false);
            images.Add(new ImportedImage(target, manifest, parsed.Config.Digest, names));
        }
        if (images.Count == 0)
        {
            throw skipped.Count > 0
                ? ContainerRuntimeException.NotFound("ImagePlatformNotFound", $"image archive {archive.Description}: no image for platform {platform} (it has: {string.Join(", ", skipped.Distinct())})", archive.Description)
                : TarIndex.Invalid(archive.Description, "index.json lists no image manifest");
        }
        return images;
    }

    private async Task<IReadOnlyList<ImportedImage>> ImportDockerAsync(ArchiveSource archive, CancellationToken cancellationToken)
    {
        var entries = Parse(archive.ReadAll("manifest.json"), ArchiveJsonContext.Default.ListDockerArchiveEntry, archive, "manifest.json");
        var images = new List<ImportedImage>();
        foreach (var entry in entries)
        {
            byte[] configBytes = archive.ReadAll(entry.Config);
            var configDescriptor = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length };
            var config = Parse(configBytes, SpecJsonContext.Default.ImageConfig, archive, entry.Config);
            if (config.RootFS.DiffIds.Count != entry.Layers.Count)
            {
                throw TarIndex.Invalid(archive.Description, $"{entry.Config} lists {config.RootFS.DiffIds.Count} diff_ids for {entry.Layers.Count} layers");
            }
            await ContentHelpers.WriteBlobAsync(_content, configDescriptor, configBytes, cancellationToken).ConfigureAwait(false);
            var layers = new List<Descriptor>();
            for (int i = 0; i < entry.Layers.Count; i++)
            {
                var layer = await LayerDescriptorAsync(archive, entry.Layers[i], config.RootFS.DiffIds[i], cancellationToken).ConfigureAwait(false);
                await using (var stream = archive.Open(entry.Layers[i]))
                {
                    await ContentHelpers.WriteBlobAsync(_content, layer, stream, cancellationToken).ConfigureAwait(false);
                }
                layers.Add(layer);
            }
            var manifest = new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.DockerManifest, Config = configDescriptor, Layers = layers };
            byte[] manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, SpecJsonContext.Default.ImageManifest);
            var manifestDescriptor = new Descriptor { MediaType = MediaTypes.DockerManifest, Digest = Digest.Compute(manifestBytes), Size = manifestBytes.Length };
            await ContentHelpers.WriteBlobAsync(_content, manifestDescriptor, manifestBytes, cancellationToken).ConfigureAwait(false);
            var names = (entry.RepoTags ?? []).Select(t => ImageReference.TryParse(t, out var r) ? r.ToString() : null).OfType<string>().Distinct().ToList();
            images.Add(new ImportedImage(manifestDescriptor, manifestDescriptor, configDescriptor.Digest, names));
        }
        return images;
    }

    /// <summary>
    /// A docker archive's layer as a blob: an uncompressed tar is its own DiffID (the content store checks that while
    /// ingesting it); a compressed one is hashed first, since its blob digest is written nowhere.
    /// </summary>
    private static async Task<Descriptor> LayerDescriptorAsync(ArchiveSource archive, string member, Digest diffId, CancellationToken cancellationToken)
    {
        long size = archive.SizeOf(member);
        byte[] magic = new byte[4];
        await using var stream = archive.Open(member);
        int read = await stream.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        string? mediaType = read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b ? MediaTypes.DockerLayerGzip
            : read >= 4 && magic.AsSpan().SequenceEqual(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }) ? MediaTypes.DockerLayerZstd
            : null;
        if (mediaType is null)
        {
            return new Descriptor { MediaType = UncompressedDockerLayer, Digest = diffId, Size = size };
        }
        using var hash = Digest.CreateHash(Digest.Sha256);
        hash.AppendData(magic, 0, read);
        byte[] buffer = new byte[1 << 17];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }
        return new Descriptor { MediaType = mediaType, Digest = Digest.FromHash(Digest.Sha256, hash.GetHashAndReset()), Size = size };
    }

    private async Task IngestAsync(ArchiveSource archive, Descriptor blob, CancellationToken cancellationToken)
    {
        string member = BlobPath(blob.Digest);
        if (!archive.Exists(member))
        {
            if (_content.Info(blob.Digest) is { } present && present.Size == blob.Size)
            {
                return;
            }
            throw TarIndex.Invalid(archive.Description, $"blob {blob.Digest} is missing");
        }
        await using var stream = archive.Open(member);
        await ContentHelpers.WriteBlobAsync(_content, blob, stream, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] ReadBlob(ArchiveSource archive, Descriptor descriptor)
    {
        byte[] bytes = archive.ReadAll(BlobPath(descriptor.Digest), RegistryManifestLimit);
        using var hash = descriptor.Digest.CreateHash();
        hash.AppendData(bytes);
        var actual = Digest.FromHash(descriptor.Digest.Algorithm, hash.GetHashAndReset());
        if (actual != descriptor.Digest || bytes.Length != descriptor.Size)
        {
            throw ContainerRuntimeException.DataLoss("BlobDigestMismatch",
                $"image archive {archive.Description}: blob {descriptor.Digest} ({descriptor.Size} bytes) holds {bytes.Length} bytes that hash to {actual}", descriptor.Digest);
        }
        return bytes;
    }

    private const long RegistryManifestLimit = Registry.RegistryClient.ManifestSizeLimit;

    internal static string BlobPath(Digest digest) => "blobs/" + digest.Algorithm + "/" + digest.Encoded;

    /// <summary>Names from a layout's annotations: the containerd name, else a ref.name that is a whole reference.</summary>
    private static IReadOnlyList<string> NamesOf(IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null)
        {
            return [];
        }
        if (annotations.TryGetValue(LayoutAnnotations.ImageName, out string? full) && ImageReference.TryParse(full, out var named))
        {
            return [named.ToString()];
        }
        if (annotations.TryGetValue(LayoutAnnotations.RefName, out string? refName) && refName.IndexOfAny([':', '/', '@']) > 0
            && ImageReference.TryParse(refName, out var reference))
        {
            return [reference.ToString()];
        }
        return [];
    }

    private static T Parse<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, ArchiveSource archive, string member) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "ImageArchiveInvalid", $"image archive {archive.Description}: {member}: {e.Message}", e) { Target = archive.Description };
        }
    }
}
