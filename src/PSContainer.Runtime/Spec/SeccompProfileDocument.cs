using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

// A seccomp profile as the container ecosystem ships it: docker's profiles/seccomp/default.json and the
// containers-common /usr/share/containers/seccomp.json share this format. Rules apply conditionally ("includes",
// "excludes") on the container's capabilities, the architecture and the kernel version; Containers/SeccompProfile
// evaluates them into a runtime-spec SeccompSpec.

/// <summary>The root of a seccomp profile file.</summary>
public sealed record SeccompProfileDocument
{
    [JsonPropertyName("defaultAction")]
    public string DefaultAction { get; set; } = "";

    [JsonPropertyName("defaultErrnoRet")]
    public uint? DefaultErrnoRet { get; set; }

    /// <summary>Per native architecture, the other architectures whose syscalls the filter also accepts.</summary>
    [JsonPropertyName("archMap")]
    public IReadOnlyList<SeccompArchMap>? ArchMap { get; set; }

    /// <summary>Older profiles: the architectures, without a map.</summary>
    [JsonPropertyName("architectures")]
    public IReadOnlyList<string>? Architectures { get; set; }

    [JsonPropertyName("flags")]
    public IReadOnlyList<string>? Flags { get; set; }

    [JsonPropertyName("syscalls")]
    public IReadOnlyList<SeccompProfileRule> Syscalls { get; set; } = [];
}

public sealed record SeccompArchMap
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "";

    [JsonPropertyName("subArchitectures")]
    public IReadOnlyList<string> SubArchitectures { get; set; } = [];
}

/// <summary>A profile rule: a runtime-spec rule plus the conditions under which it applies.</summary>
public sealed record SeccompProfileRule
{
    [JsonPropertyName("names")]
    public IReadOnlyList<string>? Names { get; set; }

    /// <summary>Older profiles: one name per rule.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("action")]
    public string Action { get; set; } = "";

    [JsonPropertyName("errnoRet")]
    public uint? ErrnoRet { get; set; }

    [JsonPropertyName("args")]
    public IReadOnlyList<SeccompArg>? Args { get; set; }

    [JsonPropertyName("includes")]
    public SeccompProfileFilter? Includes { get; set; }

    [JsonPropertyName("excludes")]
    public SeccompProfileFilter? Excludes { get; set; }
}

/// <summary>A rule's condition: capabilities (all held / none held), architectures (Go names: amd64, arm64), kernel.</summary>
public sealed record SeccompProfileFilter
{
    [JsonPropertyName("caps")]
    public IReadOnlyList<string>? Caps { get; set; }

    [JsonPropertyName("arches")]
    public IReadOnlyList<string>? Arches { get; set; }

    [JsonPropertyName("minKernel")]
    public string? MinKernel { get; set; }
}
