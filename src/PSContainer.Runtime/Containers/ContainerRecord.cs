using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// What a container was created from, kept in <c>containers/&lt;id&gt;/container.json</c>. Written once at
/// creation (temp + rename); its runtime state comes from the shim's files beside it.
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
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext
{
}
