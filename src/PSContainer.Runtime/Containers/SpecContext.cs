namespace PSContainer.Runtime.Containers;

/// <summary>What <see cref="SpecBuilder"/> needs from the store besides the image's config.</summary>
public sealed record SpecContext
{
    /// <summary>The container's root filesystem as it will be (the image's layers), for user names and HOME.</summary>
    public RootfsFiles? Files { get; init; }

    /// <summary>Where named volumes live; -Volume with a name fails without it.</summary>
    public VolumeStore? Volumes { get; init; }

    /// <summary>The container's own mounts, made once by <see cref="SpecBuilder.UserMounts"/>; made from the options (and <see cref="Volumes"/>) when null.</summary>
    public IReadOnlyList<ContainerMount>? Mounts { get; init; }
}
