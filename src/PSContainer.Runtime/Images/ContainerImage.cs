using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Images;

/// <summary>
/// An image in the local store, as users see it (docker images / podman images): its name and tag, its id
/// (the config digest, as docker's Image ID), its repo digest and what it runs by default.
/// </summary>
public sealed record ContainerImage
{
    /// <summary>The short repository name docker shows: <c>hello-world</c>, <c>localhost:5000/app</c>; <c>&lt;none&gt;</c> for a dangling image.</summary>
    public required string Repository { get; init; }

    public required string? Tag { get; init; }

    /// <summary>The fully qualified reference: <c>docker.io/library/hello-world:latest</c>; empty for a dangling image.</summary>
    public required string Name { get; init; }

    /// <summary>True for an image that no name points to any more (docker's <c>&lt;none&gt;:&lt;none&gt;</c>).</summary>
    public bool Dangling => Name.Length == 0;

    /// <summary>The image id: the digest of its configuration.</summary>
    public required string Id { get; init; }

    /// <summary>The first 12 hex digits of the id, as docker shows it.</summary>
    public string ShortId => Id.Length > 19 ? Id[7..19] : Id;

    /// <summary>The digest of what the registry served for the name (an index or a manifest).</summary>
    public required string Digest { get; init; }

    /// <summary>The manifest chosen for this platform.</summary>
    public required string ManifestDigest { get; init; }

    public required DateTimeOffset? Created { get; init; }

    /// <summary>Compressed size of the layers, as stored.</summary>
    public required long Size { get; init; }

    public required int LayerCount { get; init; }

    public required string Platform { get; init; }

    public required IReadOnlyList<string> Entrypoint { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required IReadOnlyList<string> Environment { get; init; }

    public required string? WorkingDirectory { get; init; }

    public required string? User { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>When this name was pulled (or last re-pointed).</summary>
    public required DateTimeOffset Pulled { get; init; }

    internal ImageRecord Record { get; init; } = new();

    /// <summary>Parsed form of <see cref="Name"/>; null for a dangling image.</summary>
    public ImageReference? Reference => Dangling ? null : ImageReference.Parse(Name);

    /// <summary>The familiar name (<c>busybox:latest</c>), or the short id of a dangling image.</summary>
    public override string ToString() => Reference?.ToFamiliarString() ?? ShortId;
}
