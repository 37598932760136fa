using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Images as users know them: list, find, pull (fetch and unpack), and their layers.
/// Combines the name index (<see cref="ImageStore"/>), the blob store and the snapshotter.
/// </summary>
public sealed class ImageService
{
    private readonly ImageStore _store;
    private readonly IContentStore _content;
    private readonly ImageDocuments _documents;
    private readonly ISnapshotter _snapshotter;
    private readonly Func<RegistryClient> _registry;

    public ImageService(ImageStore store, IContentStore content, ImageDocuments documents, ISnapshotter snapshotter, Func<RegistryClient> registry)
    {
        _store = store;
        _content = content;
        _documents = documents;
        _snapshotter = snapshotter;
        _registry = registry;
    }

    public IReadOnlyList<ContainerImage> List() => _store.List().Select(ToImage).ToList();

    /// <summary>
    /// Finds an image by name (<c>hello-world</c>, <c>alpine:3.20</c>, <c>name@sha256:…</c>), by id or by a
    /// unique id prefix, as docker's image lookup does. Null when nothing matches.
    /// </summary>
    public ContainerImage? Find(string nameOrId)
    {
        var records = _store.List();
        if (Digest.TryParse(nameOrId, out var digest))
        {
            var byDigest = records.FirstOrDefault(r => r.Config == digest || r.Target.Digest == digest || r.Manifest.Digest == digest);
            return byDigest is null ? null : ToImage(byDigest);
        }
        if (ImageReference.TryParse(nameOrId, out var reference))
        {
            var byName = reference.Tag is not null
                ? records.FirstOrDefault(r => r.Name == reference.Name + ":" + reference.Tag && (reference.Digest is null || r.Target.Digest == reference.Digest || r.Manifest.Digest == reference.Digest))
                : records.FirstOrDefault(r => ImageReference.Parse(r.Name).Name == reference.Name && (r.Target.Digest == reference.Digest || r.Manifest.Digest == reference.Digest));
            if (byName is not null)
            {
                return ToImage(byName);
            }
        }
        if (nameOrId.Length >= 4 && nameOrId.All(char.IsAsciiHexDigitLower))
        {
            var byId = records.Where(r => r.Config.Encoded.StartsWith(nameOrId, StringComparison.Ordinal)).ToList();
            if (byId.Select(r => r.Config).Distinct().Count() > 1)
            {
                throw ContainerRuntimeException.InvalidArgument("ImageIdAmbiguous", $"image id prefix {nameOrId} matches more than one image", nameOrId);
            }
            return byId.Count > 0 ? ToImage(byId[0]) : null;
        }
        return null;
    }

    /// <summary>Pulls an image and unpacks its layers; the name is recorded only when everything is in place.</summary>
    public async Task<ContainerImage> PullAsync(string name, Platform? platform, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(name);
        using var registry = _registry();
        var puller = new ImagePuller(registry, _content, _documents);
        var record = await puller.PullAsync(reference, platform ?? Platform.Host, progress, cancellationToken).ConfigureAwait(false);
        await UnpackAsync(record, reference.ToString(), progress, cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(record, cancellationToken).ConfigureAwait(false);
        progress?.Report(new PullProgress(PullPhase.Complete, record.Name, record.Target.Digest, Message: $"Digest: {record.Target.Digest}"));
        return ToImage(_store.Get(record.Name) ?? record);
    }

    /// <summary>Makes sure every layer of an image is unpacked (idempotent; cheap when they are).</summary>
    public Task EnsureUnpackedAsync(ContainerImage image, CancellationToken cancellationToken) =>
        UnpackAsync(image.Record, image.Name, null, cancellationToken);

    /// <summary>The ChainID of the top layer — what a container's rootfs is built from — or null for an image without layers.</summary>
    public Digest? TopChainId(ContainerImage image)
    {
        var diffIds = _documents.Config(image.Record.Config).RootFS.DiffIds;
        return diffIds.Count == 0 ? null : ChainIds.Compute(diffIds)[^1];
    }

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

    /// <summary>The layers of an image, bottom first, with the build step of each from the config history.</summary>
    public IReadOnlyList<ContainerLayer> Layers(ContainerImage image)
    {
        var manifest = _documents.Manifest(image.Record.Manifest.Digest);
        var config = _documents.Config(image.Record.Config);
        var chain = ChainIds.Compute(config.RootFS.DiffIds);
        // History has one entry per build step; empty_layer steps made no layer.
        var history = (config.History ?? []).Where(h => !h.EmptyLayer).ToList();
        var layers = new List<ContainerLayer>(manifest.Layers.Count);
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            var step = i < history.Count ? history[i] : null;
            layers.Add(new ContainerLayer
            {
                Image = image.ToString(),
                Index = i,
                DiffId = config.RootFS.DiffIds[i].ToString(),
                ChainId = chain[i].ToString(),
                Digest = manifest.Layers[i].Digest.ToString(),
                Size = manifest.Layers[i].Size,
                UnpackedSize = _snapshotter.Stat(chain[i])?.Size,
                MediaType = manifest.Layers[i].MediaType,
                CreatedBy = step?.CreatedBy,
                Created = step?.Created,
                Comment = step?.Comment,
            });
        }
        return layers;
    }

    /// <summary>The image's configuration document.</summary>
    public ImageConfig Config(ContainerImage image) => _documents.Config(image.Record.Config);

    private ContainerImage ToImage(ImageRecord record)
    {
        var reference = ImageReference.Parse(record.Name);
        var config = _documents.Config(record.Config);
        var manifest = _documents.Manifest(record.Manifest.Digest);
        var run = config.Config;
        return new ContainerImage
        {
            Repository = reference.FamiliarName,
            Tag = reference.Tag,
            Name = record.Name,
            Id = record.Config.ToString(),
            Digest = record.Target.Digest.ToString(),
            ManifestDigest = record.Manifest.Digest.ToString(),
            Created = config.Created,
            Size = manifest.Layers.Sum(l => l.Size),
            LayerCount = manifest.Layers.Count,
            Platform = config.OS + "/" + config.Architecture + (string.IsNullOrEmpty(config.Variant) ? "" : "/" + config.Variant),
            Entrypoint = run?.Entrypoint ?? [],
            Command = run?.Cmd ?? [],
            Environment = run?.Env ?? [],
            WorkingDirectory = run?.WorkingDir,
            User = run?.User,
            Labels = run?.Labels ?? new Dictionary<string, string>(),
            Pulled = record.Updated,
            Record = record,
        };
    }
}
