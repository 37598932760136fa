using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Images as users know them: list and find (this file); tag, remove and collect garbage (ImageService.Names.cs);
/// pull, push, export and import (ImageService.Transfer.cs). Combines the name index (<see cref="ImageStore"/>), the
/// blob store and the snapshotter.
///
/// Locking, in this order whenever more than one is held: the GC lock (<c>images/gc.lock</c>: shared by every
/// operation that adds content before naming it — pull, import — or reads content — export, push, unpack; exclusive
/// for garbage collection), then the image store's lock. So a collection never deletes content that a pull has
/// stored but not yet named.
/// </summary>
public sealed partial class ImageService
{
    private readonly ImageStore _store;
    private readonly IContentStore _content;
    private readonly ImageDocuments _documents;
    private readonly ISnapshotter _snapshotter;
    private readonly Func<RegistryClient> _registry;
    private readonly string _gcLockPath;

    public ImageService(ImageStore store, IContentStore content, ImageDocuments documents, ISnapshotter snapshotter, Func<RegistryClient> registry)
    {
        _store = store;
        _content = content;
        _documents = documents;
        _snapshotter = snapshotter;
        _registry = registry;
        _gcLockPath = Path.Combine(store.Directory, "gc.lock");
    }

    /// <summary>The containers created from images (removal refuses to delete their images; GC keeps their layers).</summary>
    public Func<IEnumerable<ImageUser>> Users { get; init; } = () => [];

    /// <summary>Every image: one entry per name, plus one per dangling image.</summary>
    public IReadOnlyList<ContainerImage> List() => _store.List().Select(ToImage).ToList();

    /// <summary>
    /// Finds an image by name (<c>hello-world</c>, <c>alpine:3.20</c>, <c>name@sha256:…</c>), by id, digest or a unique
    /// id prefix, as docker's image lookup does. Null when nothing matches.
    /// </summary>
    public ContainerImage? Find(string nameOrId) => Find(_store.List(), nameOrId).Record is { } record ? ToImage(record) : null;

    /// <summary>The record <paramref name="nameOrId"/> means, and whether it was named (rather than given by id or digest).</summary>
    private static (ImageRecord? Record, bool ByName) Find(IReadOnlyList<ImageRecord> records, string nameOrId)
    {
        var named = records.Where(r => !r.IsDangling).ToList();
        if (Digest.TryParse(nameOrId, out var digest))
        {
            var byDigest = named.FirstOrDefault(r => r.Config == digest || r.Target.Digest == digest || r.Manifest.Digest == digest)
                ?? records.FirstOrDefault(r => r.Config == digest || r.Target.Digest == digest || r.Manifest.Digest == digest);
            return (byDigest, false);
        }
        if (ImageReference.TryParse(nameOrId, out var reference))
        {
            var byName = reference.Tag is not null
                ? named.FirstOrDefault(r => r.Name == reference.Name + ":" + reference.Tag && (reference.Digest is null || r.Target.Digest == reference.Digest || r.Manifest.Digest == reference.Digest))
                : named.FirstOrDefault(r => r.Name == reference.ToString())
                  ?? named.FirstOrDefault(r => ImageReference.Parse(r.Name).Name == reference.Name && (r.Target.Digest == reference.Digest || r.Manifest.Digest == reference.Digest));
            if (byName is not null)
            {
                return (byName, byName.Name == reference.ToString());
            }
        }
        if (nameOrId.Length >= 4 && nameOrId.All(char.IsAsciiHexDigitLower))
        {
            var byId = records.Where(r => r.Config.Encoded.StartsWith(nameOrId, StringComparison.Ordinal)).ToList();
            if (byId.Select(r => r.Config).Distinct().Count() > 1)
            {
                throw ContainerRuntimeException.InvalidArgument("ImageIdAmbiguous", $"image id prefix {nameOrId} matches more than one image", nameOrId);
            }
            return (byId.OrderBy(r => r.IsDangling).FirstOrDefault(), false);
        }
        return (null, false);
    }

    /// <summary>The ChainID of the top layer — what a container's rootfs is built from — or null for an image without layers.</summary>
    public Digest? TopChainId(ContainerImage image)
    {
        var diffIds = _documents.Config(image.Record.Config).RootFS.DiffIds;
        return diffIds.Count == 0 ? null : ChainIds.Compute(diffIds)[^1];
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

    private Task<FileLock> SharedGcLockAsync(CancellationToken cancellationToken) =>
        FileLock.AcquireAsync(_gcLockPath, shared: true, cancellationToken);

    private ContainerImage ToImage(ImageRecord record)
    {
        var reference = record.IsDangling ? null : ImageReference.Parse(record.Name);
        var config = _documents.Config(record.Config);
        var manifest = _documents.Manifest(record.Manifest.Digest);
        var run = config.Config;
        return new ContainerImage
        {
            Repository = reference?.FamiliarName ?? "<none>",
            Tag = reference?.Tag,
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
