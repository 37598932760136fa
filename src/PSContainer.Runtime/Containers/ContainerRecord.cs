using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// What a container was created from, kept in <c>containers/&lt;id&gt;/container.json</c>. Written once at
/// creation (temp + rename); its runtime state comes from the shim's files beside it.
/// </summary>
public sealed record ContainerRecord
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>The image as the user named it (familiar form).</summary>
    [JsonPropertyName("image")]
    public string Image { get; init; } = "";

    /// <summary>The image id (config digest) the container was created from.</summary>
    [JsonPropertyName("imageId")]
    public string ImageId { get; init; } = "";

    [JsonPropertyName("command")]
    public IReadOnlyList<string> Command { get; init; } = [];

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext
{
}
