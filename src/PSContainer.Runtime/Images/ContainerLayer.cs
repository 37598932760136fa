namespace PSContainer.Runtime.Images;

/// <summary>One layer of an image: its blob, its uncompressed identity and the build step that made it.</summary>
public sealed record ContainerLayer
{
    /// <summary>The image this layer was listed for (familiar name).</summary>
    public required string Image { get; init; }

    /// <summary>Position from the bottom layer, starting at 0.</summary>
    public required int Index { get; init; }

    /// <summary>Digest of the uncompressed tar (the config's diff_id).</summary>
    public required string DiffId { get; init; }

    /// <summary>Identity of this layer on top of all below it; names the unpacked snapshot.</summary>
    public required string ChainId { get; init; }

    /// <summary>Digest of the blob as stored and transferred.</summary>
    public required string Digest { get; init; }

    /// <summary>Size of the blob as stored and transferred.</summary>
    public required long Size { get; init; }

    /// <summary>Size on disk once unpacked, or null when it is not unpacked.</summary>
    public required long? UnpackedSize { get; init; }

    public required string MediaType { get; init; }

    /// <summary>The history entry's created_by: the build step that produced the layer.</summary>
    public required string? CreatedBy { get; init; }

    public required DateTimeOffset? Created { get; init; }

    public required string? Comment { get; init; }

    public override string ToString() => Digest;
}
