using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Process;

/// <summary>Source-generated JSON for the files psc-shim writes into a bundle (AOT-safe; no reflection).</summary>
[JsonSerializable(typeof(ShimState))]
[JsonSerializable(typeof(ExitStatus))]
[JsonSerializable(typeof(CgroupState))]
public sealed partial class ProcessJsonContext : JsonSerializerContext
{
}
