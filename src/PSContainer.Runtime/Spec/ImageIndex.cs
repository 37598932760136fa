using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

/// <summary>An OCI image index or a Docker manifest list (image-spec image-index.md).</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; } = 2;

    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; set; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor> Manifests { get; set; } = [];

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; set; }
}
