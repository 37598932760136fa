using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// What a container was created from, kept in <c>containers/&lt;id&gt;/container.json</c>. Written at creation
/// (temp + rename) and rewritten only by a rename; its runtime state comes from the shim's files beside it.
/// </summary>
public sealed record ContainerRecord
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The image as the user named it (familiar form).</summary>
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    /// <summary>The image id (config digest) the container was created from.</summary>
    [JsonPropertyName("imageId")]
    public string ImageId { get; set; } = "";

    [JsonPropertyName("command")]
    public IReadOnlyList<string> Command { get; set; } = [];

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; set; }

    /// <summary>docker run --rm: removed once it has exited.</summary>
    [JsonPropertyName("autoRemove")]
    public bool AutoRemove { get; set; }

    /// <summary>The signal Stop-Container sends first (the image's StopSignal); SIGTERM when null.</summary>
    [JsonPropertyName("stopSignal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopSignal { get; set; }

    /// <summary>The container's own mounts (-Volume, -Tmpfs): which volumes it uses, and which of them are anonymous.</summary>
    [JsonPropertyName("mounts")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ContainerMount>? Mounts { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext
{
}
