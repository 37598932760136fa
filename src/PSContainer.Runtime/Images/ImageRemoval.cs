namespace PSContainer.Runtime.Images;

/// <summary>
/// What removing one image argument did, like docker rmi's output: the names it untagged and, when the image itself
/// went, its id. Its blobs and unpacked layers are freed by the garbage collection that follows.
/// </summary>
public sealed record ImageRemoval
{
    /// <summary>The name or id as it was given.</summary>
    public required string Image { get; init; }

    /// <summary>The image id (config digest).</summary>
    public required string Id { get; init; }

    /// <summary>Names removed (familiar form: <c>busybox:latest</c>).</summary>
    public required IReadOnlyList<string> Untagged { get; init; }

    /// <summary>True when the image itself was deleted, not only untagged.</summary>
    public required bool Deleted { get; init; }

    public override string ToString() => Deleted ? "Deleted: " + Id : "Untagged: " + string.Join(", ", Untagged);
}
