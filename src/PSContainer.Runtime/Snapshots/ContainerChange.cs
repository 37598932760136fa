using PSContainer.Runtime.Layers;

namespace PSContainer.Runtime.Snapshots;

/// <summary>One path a container changed against its image (Get-ContainerChange, docker diff).</summary>
public sealed record ContainerChange
{
    /// <summary>The container's name.</summary>
    public required string Container { get; init; }

    public required string Path { get; init; }

    public required ChangeKind Change { get; init; }

    /// <summary>What is at the path now, or what was there for a deleted path.</summary>
    public required LayerEntryType Type { get; init; }

    /// <summary>docker diff's letter: A, C or D.</summary>
    public string Kind => Change switch { ChangeKind.Added => "A", ChangeKind.Deleted => "D", _ => "C" };

    public override string ToString() => Kind + " " + Path;
}
