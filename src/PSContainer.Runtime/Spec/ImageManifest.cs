using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

/// <summary>An OCI image manifest or a Docker v2 schema 2 manifest (image-spec manifest.md).</summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; } = 2;

    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; set; }

    [JsonPropertyName("artifactType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; set; }

    [JsonPropertyName("config")]
    public Descriptor Config { get; set; } = new();

    [JsonPropertyName("layers")]
    public IReadOnlyList<Descriptor> Layers { get; set; } = [];

    [JsonPropertyName("subject")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Descriptor? Subject { get; set; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; set; }
}

/// <summary>Just enough of any manifest-like document to tell what it is.</summary>
public sealed record ManifestProbe
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; }

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; set; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor>? Manifests { get; set; }

    [JsonPropertyName("config")]
    public Descriptor? Config { get; set; }

    [JsonPropertyName("layers")]
    public IReadOnlyList<Descriptor>? Layers { get; set; }

    [JsonPropertyName("fsLayers")]
    public System.Text.Json.JsonElement? FsLayers { get; set; }
}
