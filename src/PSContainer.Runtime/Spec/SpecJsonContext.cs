using System.Text.Json.Serialization;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime.Spec;

/// <summary>Source-generated JSON metadata for every spec document (AOT-safe; no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ManifestProbe))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(Mount))]
[JsonSerializable(typeof(List<Mount>))]
public sealed partial class SpecJsonContext : JsonSerializerContext
{
}
