using System.Text.Json.Serialization;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// One name in the image store: a fully qualified reference that points at content in the blob store.
/// <see cref="Target"/> is what the registry returned for the name (an index or a manifest, its digest is
/// the "repo digest"); <see cref="Manifest"/> is the manifest chosen for this machine's platform.
/// A record with an empty <see cref="Name"/> is a dangling image (docker's <c>&lt;none&gt;:&lt;none&gt;</c>): an image
/// whose last name moved to another image; it is kept, by its id (<see cref="Config"/>), until it is removed.
/// </summary>
public sealed record ImageRecord
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("target")]
    public Descriptor Target { get; set; } = new();

    [JsonPropertyName("manifest")]
    public Descriptor Manifest { get; set; } = new();

    [JsonPropertyName("config")]
    public Digest Config { get; set; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }

    [JsonPropertyName("updated")]
    public DateTimeOffset Updated { get; set; }

    [JsonIgnore]
    public bool IsDangling => Name.Length == 0;
}

/// <summary>The on-disk form of the image store's name index.</summary>
public sealed record ImageIndexFile
{
    [JsonPropertyName("images")]
    public List<ImageRecord> Images { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ImageIndexFile))]
internal sealed partial class ImageJsonContext : JsonSerializerContext
{
}
