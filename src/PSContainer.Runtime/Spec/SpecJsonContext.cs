using System.Text.Json.Serialization;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime.Spec;

/// <summary>Source-generated JSON metadata for every spec document (AOT-safe; no reflection).</summary>
/// <remarks>
/// JSON documents use <c>{ get; set; }</c>, not <c>init</c>: the source generator assigns every init-only property,
/// so a member missing from the JSON would arrive as null instead of keeping its default (<c>[]</c>, <c>new()</c>).
/// SpecJsonTests guards this for every document type.
/// </remarks>
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
[JsonSerializable(typeof(SeccompProfileDocument))]
[JsonSerializable(typeof(ProcessSpec))]
[JsonSerializable(typeof(SeccompSpec))]
[JsonSerializable(typeof(Mount))]
[JsonSerializable(typeof(List<Mount>))]
public sealed partial class SpecJsonContext : JsonSerializerContext
{
}
