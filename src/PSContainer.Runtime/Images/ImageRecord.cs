using System.Text.Json.Serialization;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// One name in the image store: a fully qualified reference that points at content in the blob store.
/// <see cref="Target"/> is what the registry returned for the name (an index or a manifest, its digest is
/// the "repo digest"); <see cref="Manifest"/> is the manifest chosen for this machine's platform.
/// </summary>
public sealed record ImageRecord
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("target")]
    public Descriptor Target { get; init; } = new();

    [JsonPropertyName("manifest")]
    public Descriptor Manifest { get; init; } = new();

    [JsonPropertyName("config")]
    public Digest Config { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    [JsonPropertyName("updated")]
    public DateTimeOffset Updated { get; init; }
}

/// <summary>The on-disk form of the image store's name index.</summary>
public sealed record ImageIndexFile
{
    [JsonPropertyName("images")]
    public List<ImageRecord> Images { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ImageIndexFile))]
internal sealed partial class ImageJsonContext : JsonSerializerContext
{
}
