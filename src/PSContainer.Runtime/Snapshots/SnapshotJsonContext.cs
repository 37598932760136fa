using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Snapshots;

/// <summary>Source-generated JSON for the snapshot store (the runtime is AOT-compatible: no reflection JSON).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SnapshotRecord))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
