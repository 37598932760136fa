using System.Text.Json.Serialization;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>The <c>info.json</c> of a committed snapshot, written into the <c>new-*</c> directory before its rename.</summary>
internal sealed record SnapshotRecord
{
    [JsonPropertyName("parent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Digest? Parent { get; set; }

    [JsonPropertyName("diffID")]
    public Digest DiffId { get; set; }

    /// <summary>Uncompressed size of the layer tar, in bytes.</summary>
    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }

    /// <summary>
    /// The ChainIDs of every ancestor, parent first, so a rootfs of n layers is described by reading one file
    /// instead of n. Absent in snapshots committed before it existed; those are walked parent by parent.
    /// </summary>
    [JsonPropertyName("ancestors")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Digest>? Ancestors { get; set; }
}
