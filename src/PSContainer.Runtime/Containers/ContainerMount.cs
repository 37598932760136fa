using System.Text.Json.Serialization;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// One of a container's own mounts (-Volume, -Tmpfs) as docker describes it (its inspect's "Mounts"): a bind mount of a
/// host path, a volume — named, or anonymous: made for this container by <c>-Volume /path</c> — or a tmpfs. Kept in
/// container.json, where the volume's name and whether it is anonymous decide what <c>Remove-Container -Volumes</c>
/// may delete; <see cref="ToSpec"/> is the runtime spec's mount (a volume is a bind mount of its <c>_data</c>).
/// </summary>
/// <remarks>
/// Records written before volumes were told apart hold the runtime spec's mounts (type <c>bind</c>, no name): they
/// read as bind mounts, so nothing of theirs is ever taken for an anonymous volume.
/// </remarks>
public sealed record ContainerMount
{
    public const string BindType = "bind";
    public const string VolumeType = "volume";
    public const string TmpfsType = "tmpfs";

    /// <summary><see cref="BindType"/>, <see cref="VolumeType"/> or <see cref="TmpfsType"/>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary>The volume's name (a volume only): the one given, or the 64 hex digits made for an anonymous one.</summary>
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; set; }

    /// <summary>True for a volume made for this container (<c>-Volume /path</c>), which <c>Remove-Container -Volumes</c> deletes.</summary>
    [JsonPropertyName("anonymous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Anonymous { get; set; }

    /// <summary>The host path mounted (a volume's <c>_data</c> directory), or <c>tmpfs</c>.</summary>
    [JsonPropertyName("source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; set; }

    [JsonPropertyName("destination")]
    public string Destination { get; set; } = "";

    /// <summary>The runtime spec's mount options (rbind, ro or rw, propagation, copyup; tmpfs options).</summary>
    [JsonPropertyName("options")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Options { get; set; }

    /// <summary>
    /// What docker's -v would say: <c>volume data:/var/lib/db</c>, <c>bind /srv/conf:/etc/app:ro</c>, <c>tmpfs tmpfs:/run</c>
    /// (how PowerShell shows the mounts of a container, rather than the record's every property).
    /// </summary>
    public override string ToString() =>
        $"{Type} {(Type == VolumeType ? Name : Source)}:{Destination}{(Options?.Contains("ro") == true ? ":ro" : "")}";

    /// <summary>The mount in the runtime spec.</summary>
    public MountSpec ToSpec() => new()
    {
        Destination = Destination,
        Type = Type == VolumeType ? BindType : Type,
        Source = Source,
        Options = Options,
    };
}
