namespace PSContainer.Runtime.Layers;

/// <summary>
/// One path that differs between two images (Compare-ContainerImage): how, which of its attributes, and which layer
/// of each image last set it — the layer to look at when asking "where does this difference come from?".
/// </summary>
public sealed record ImageFileDifference
{
    public required string Path { get; init; }

    /// <summary>Added: only in the difference image; Deleted: only in the reference image; Changed: in both.</summary>
    public required ChangeKind Change { get; init; }

    /// <summary>The attributes that differ (Type, Content, Size, Mode, Owner, LinkTarget, Device, Xattrs, Modified); empty unless Changed.</summary>
    public required IReadOnlyList<string> Properties { get; init; }

    /// <summary>The index of the reference image's layer that last set the path (null when it has no such path).</summary>
    public int? ReferenceLayer { get; init; }

    /// <summary>The index of the difference image's layer that last set the path (null when it has no such path).</summary>
    public int? DifferenceLayer { get; init; }

    public LayerEntry? Reference { get; init; }

    public LayerEntry? Difference { get; init; }

    /// <summary>docker diff's letter: A, C or D.</summary>
    public string Kind => Change switch { ChangeKind.Added => "A", ChangeKind.Deleted => "D", _ => "C" };

    public override string ToString() => Kind + " " + Path;
}
