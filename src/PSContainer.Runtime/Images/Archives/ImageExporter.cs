using System.Formats.Tar;
using System.Text.Json;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images.Archives;

/// <summary>
/// Writes images from the store as an archive (<see cref="ArchiveFormat"/>) that skopeo, podman and docker read.
/// The result appears all at once: a file is written under a temporary name beside the target and renamed over it,
/// a directory is filled under a temporary name and renamed into place, so an interrupted export leaves nothing that
/// looks like an archive. Layers of a docker archive are decompressed into a temporary file (a tar member's size comes
/// before its bytes) and checked against their DiffID on the way.
/// </summary>
internal sealed class ImageExporter
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;
    private readonly IContentProvider _content;
    private readonly ImageDocuments _documents;

    public ImageExporter(IContentProvider content, ImageDocuments documents)
    {
        _content = content;
        _documents = documents;
    }

    public async Task ExportAsync(IReadOnlyList<(ImageRecord Record, IReadOnlyList<string> Names)> images, string path, ArchiveFormat format, string temporary, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            throw ContainerRuntimeException.NotFound("ExportDirectoryNotFound", $"export to {full}: directory {directory} does not exist", full);
        }
        string staging = Path.Combine(directory, "." + Path.GetFileName(full) + ".partial-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            if (format == ArchiveFormat.OciDirectory)
            {
                if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() || File.Exists(full))
                {
                    throw new ContainerRuntimeException(ErrorKind.AlreadyExists, "ExportTargetExists", $"export to {full}: it exists and is not an empty directory") { Target = full };
                }
                Directory.CreateDirectory(staging);
                await WriteLayoutAsync(images, new DirectoryTarget(staging), cancellationToken).ConfigureAwait(false);
                if (Directory.Exists(full))
                {
                    Directory.Delete(full);
                }
                Directory.Move(staging, full);
                return;
            }
            await using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await using (var tar = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var target = new TarTarget(tar);
                    if (format == ArchiveFormat.OciArchive)
                    {
                        await WriteLayoutAsync(images, target, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await WriteDockerArchiveAsync(images, target, temporary, cancellationToken).ConfigureAwait(false);
                    }
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(staging, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(staging))
            {
                File.Delete(staging);
            }
            else if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// An OCI image layout: every blob as stored, and one index entry per name (one without a name for an unnamed image).
    /// A Docker schema 2 manifest is written converted to OCI media types (as <c>skopeo copy --format oci</c> does):
    /// containers/image finds only OCI manifests in a layout by name. The config and layers are unchanged, so the image
    /// keeps its id; only the manifest digest differs from the registry's.
    /// </summary>
    private async Task WriteLayoutAsync(IReadOnlyList<(ImageRecord Record, IReadOnlyList<string> Names)> images, IArchiveTarget target, CancellationToken cancellationToken)
    {
        await target.WriteAsync("oci-layout", JsonSerializer.SerializeToUtf8Bytes(new OciLayoutFile(), ArchiveJsonContext.Default.OciLayoutFile), cancellationToken).ConfigureAwait(false);
        var written = new HashSet<Digest>();
        var entries = new List<Descriptor>();
        foreach (var (record, names) in images)
        {
            var manifest = _documents.Manifest(record.Manifest.Digest);
            var config = _documents.Config(record.Config);
            foreach (var blob in manifest.Layers.Append(manifest.Config))
            {
                if (written.Add(blob.Digest))
                {
                    await using var stream = _content.OpenRead(blob.Digest);
                    await target.WriteAsync(ImageImporter.BlobPath(blob.Digest), stream, stream.Length, cancellationToken).ConfigureAwait(false);
                }
            }
            var (manifestBytes, manifestDescriptor) = record.Manifest.MediaType == MediaTypes.DockerManifest
                ? OciManifestOf(manifest)
                : (ContentHelpers.ReadAllBytes(_content, record.Manifest.Digest), record.Manifest);
            if (written.Add(manifestDescriptor.Digest))
            {
                await target.WriteAsync(ImageImporter.BlobPath(manifestDescriptor.Digest), manifestBytes, cancellationToken).ConfigureAwait(false);
            }
            var platform = new Platform { OS = config.OS, Architecture = config.Architecture, Variant = string.IsNullOrEmpty(config.Variant) ? null : config.Variant };
            var descriptor = new Descriptor { MediaType = manifestDescriptor.MediaType, Digest = manifestDescriptor.Digest, Size = manifestDescriptor.Size, Platform = platform };
            if (names.Count == 0)
            {
                entries.Add(descriptor);
            }
            foreach (string name in names)
            {
                var reference = ImageReference.Parse(name);
                var annotations = new Dictionary<string, string> { [LayoutAnnotations.ImageName] = reference.ToString() };
                if (reference.Tag is { } tag)
                {
                    annotations[LayoutAnnotations.RefName] = tag;
                }
                entries.Add(descriptor with { Annotations = annotations });
            }
        }
        var index = new ImageIndex { SchemaVersion = 2, MediaType = MediaTypes.OciIndex, Manifests = entries };
        await target.WriteAsync("index.json", JsonSerializer.SerializeToUtf8Bytes(index, SpecJsonContext.Default.ImageIndex), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A Docker schema 2 manifest with OCI media types (the same config and layers).</summary>
    private static (byte[] Bytes, Descriptor Descriptor) OciManifestOf(ImageManifest manifest)
    {
        static string Layer(string mediaType) => mediaType switch
        {
            MediaTypes.DockerLayerGzip => MediaTypes.OciLayerGzip,
            MediaTypes.DockerLayerForeignGzip => MediaTypes.OciLayerNonDistributableGzip,
            MediaTypes.DockerLayerZstd => MediaTypes.OciLayerZstd,
            "application/vnd.docker.image.rootfs.diff.tar" => MediaTypes.OciLayer,
            _ => mediaType,
        };
        var converted = manifest with
        {
            MediaType = MediaTypes.OciManifest,
            Config = manifest.Config with { MediaType = MediaTypes.OciConfig },
            Layers = manifest.Layers.Select(l => l with { MediaType = Layer(l.MediaType) }).ToList(),
        };
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(converted, SpecJsonContext.Default.ImageManifest);
        return (bytes, new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute(bytes), Size = bytes.Length });
    }

    /// <summary>docker save's layout: <c>&lt;config hex&gt;.json</c>, <c>&lt;diffid hex&gt;.tar</c> per layer (uncompressed), <c>manifest.json</c>.</summary>
    private async Task WriteDockerArchiveAsync(IReadOnlyList<(ImageRecord Record, IReadOnlyList<string> Names)> images, IArchiveTarget target, string temporary, CancellationToken cancellationToken)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<DockerArchiveEntry>();
        foreach (var (record, names) in images)
        {
            var manifest = _documents.Manifest(record.Manifest.Digest);
            var diffIds = _documents.Config(record.Config).RootFS.DiffIds;
            string configName = record.Config.Encoded + ".json";
            if (written.Add(configName))
            {
                await target.WriteAsync(configName, ContentHelpers.ReadAllBytes(_content, record.Config), cancellationToken).ConfigureAwait(false);
            }
            var layerNames = new List<string>();
            for (int i = 0; i < manifest.Layers.Count; i++)
            {
                string layerName = diffIds[i].Encoded + ".tar";
                layerNames.Add(layerName);
                if (written.Add(layerName))
                {
                    await WriteUncompressedLayerAsync(target, layerName, manifest.Layers[i], diffIds[i], temporary, cancellationToken).ConfigureAwait(false);
                }
            }
            entries.Add(new DockerArchiveEntry
            {
                Config = configName,
                RepoTags = names.Select(n => ImageReference.Parse(n)).Where(r => r.Tag is not null).Select(r => r.FamiliarName + ":" + r.Tag).ToList(),
                Layers = layerNames,
            });
        }
        await target.WriteAsync("manifest.json", JsonSerializer.SerializeToUtf8Bytes(entries, ArchiveJsonContext.Default.ListDockerArchiveEntry), cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteUncompressedLayerAsync(IArchiveTarget target, string name, Descriptor layer, Digest diffId, string temporary, CancellationToken cancellationToken)
    {
        var compression = MediaTypes.LayerCompressionOf(layer.MediaType)
            ?? throw ContainerRuntimeException.InvalidArgument("LayerMediaTypeUnsupported", $"layer {layer.Digest}: unsupported media type \"{layer.MediaType}\"", layer.Digest);
        if (compression == LayerCompression.None)
        {
            await using var plain = _content.OpenRead(layer.Digest);
            await target.WriteAsync(name, plain, plain.Length, cancellationToken).ConfigureAwait(false);
            return;
        }
        Directory.CreateDirectory(temporary);
        string file = Path.Combine(temporary, "layer-" + Guid.NewGuid().ToString("N") + ".tar");
        try
        {
            await using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                using (var hash = diffId.CreateHash())
                {
                    await using var tar = Decompression.Open(_content.OpenRead(layer.Digest), compression);
                    byte[] buffer = new byte[1 << 17];
                    int read;
                    while ((read = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                    var actual = Digest.FromHash(diffId.Algorithm, hash.GetHashAndReset());
                    if (actual != diffId)
                    {
                        throw ContainerRuntimeException.DataLoss(LayerErrors.DiffIdMismatch,
                            $"layer {layer.Digest}: uncompressed content has digest {actual}, but the image config says DiffID {diffId}", layer.Digest);
                    }
                }
                output.Position = 0;
                await target.WriteAsync(name, output, output.Length, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Where archive members go: a directory or a tar stream.</summary>
    private interface IArchiveTarget
    {
        Task WriteAsync(string name, Stream content, long length, CancellationToken cancellationToken);

        Task WriteAsync(string name, byte[] content, CancellationToken cancellationToken) =>
            WriteAsync(name, new MemoryStream(content, writable: false), content.Length, cancellationToken);
    }

    private sealed class DirectoryTarget(string root) : IArchiveTarget
    {
        public async Task WriteAsync(string name, Stream content, long length, CancellationToken cancellationToken)
        {
            string path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            await content.CopyToAsync(file, 1 << 17, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class TarTarget(TarWriter writer) : IArchiveTarget
    {
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

        public async Task WriteAsync(string name, Stream content, long length, CancellationToken cancellationToken)
        {
            // Parent directories first, as tar writers do (some readers create them only from their own entries).
            for (int slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                string directory = name[..(slash + 1)];
                if (_directories.Add(directory))
                {
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, directory) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = Epoch }, cancellationToken).ConfigureAwait(false);
                }
            }
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b110_100_100, ModificationTime = Epoch, DataStream = content };
            await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }
}
