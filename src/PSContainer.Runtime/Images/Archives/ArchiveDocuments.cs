using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Images.Archives;

/// <summary>One image in a docker-archive's <c>manifest.json</c> (docker's image/tarexport).</summary>
internal sealed record DockerArchiveEntry
{
    [JsonPropertyName("Config")]
    public string Config { get; set; } = "";

    [JsonPropertyName("RepoTags")]
    public IReadOnlyList<string>? RepoTags { get; set; }

    [JsonPropertyName("Layers")]
    public IReadOnlyList<string> Layers { get; set; } = [];
}

/// <summary>An OCI image layout's <c>oci-layout</c> file.</summary>
internal sealed record OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")]
    public string ImageLayoutVersion { get; set; } = "1.0.0";
}

[JsonSourceGenerationOptions(AllowTrailingCommas = true)]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
[JsonSerializable(typeof(OciLayoutFile))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext
{
}

/// <summary>The annotations that name an image in an OCI layout's index.json.</summary>
internal static class LayoutAnnotations
{
    /// <summary>The OCI image-spec's name of a manifest in a layout: a tag, or (skopeo, podman) a whole reference.</summary>
    public const string RefName = "org.opencontainers.image.ref.name";

    /// <summary>containerd's (and docker 25's) full image name.</summary>
    public const string ImageName = "io.containerd.image.name";
}
