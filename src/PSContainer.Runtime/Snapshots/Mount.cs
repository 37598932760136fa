using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// A mount as plain data (containerd's mount.Mount): snapshotters return these, and only
/// <c>Linux/Mounter</c> performs them. For overlay, each lower layer is one <c>lowerdir+=</c> option
/// (top layer first) so the list has no length limit; the mounter joins them when it must use mount(2).
/// </summary>
public sealed record Mount
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("source")]
    public string Source { get; set; } = "";

    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; set; }

    [JsonPropertyName("options")]
    public IReadOnlyList<string> Options { get; set; } = [];
}
