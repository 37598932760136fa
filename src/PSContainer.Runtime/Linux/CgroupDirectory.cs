using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Linux;

/// <summary>One directory of a container's cgroup: in a v1 hierarchy (with its controllers) or in the v2 one.</summary>
public sealed record CgroupDirectory
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    [JsonPropertyName("unified")]
    public bool Unified { get; set; }

    /// <summary>v1: the hierarchy's controllers; v2: the controllers enabled for this cgroup.</summary>
    [JsonPropertyName("controllers")]
    public IReadOnlyList<string> Controllers { get; set; } = [];

    public bool Has(string controller) => Controllers.Contains(controller);
}
