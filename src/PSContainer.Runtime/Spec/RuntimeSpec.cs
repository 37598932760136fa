using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

// The subset of the OCI runtime-spec (config.md, config-linux.md) that PSContainer writes and psc-shim reads.
// A bundle's config.json keeps the standard field names, so other runtimes and tools can read it.

/// <summary>The root of an OCI bundle's config.json.</summary>
public sealed record RuntimeSpec
{
    [JsonPropertyName("ociVersion")]
    public string OciVersion { get; init; } = "1.2.0";

    [JsonPropertyName("process")]
    public ProcessSpec Process { get; init; } = new();

    [JsonPropertyName("root")]
    public RootSpec Root { get; init; } = new();

    [JsonPropertyName("hostname")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hostname { get; init; }

    [JsonPropertyName("mounts")]
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    [JsonPropertyName("linux")]
    public LinuxSpec Linux { get; init; } = new();

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record ProcessSpec
{
    [JsonPropertyName("terminal")]
    public bool Terminal { get; init; }

    [JsonPropertyName("user")]
    public UserSpec User { get; init; } = new();

    [JsonPropertyName("args")]
    public IReadOnlyList<string> Args { get; init; } = [];

    [JsonPropertyName("env")]
    public IReadOnlyList<string> Env { get; init; } = [];

    [JsonPropertyName("cwd")]
    public string Cwd { get; init; } = "/";

    [JsonPropertyName("capabilities")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CapabilitiesSpec? Capabilities { get; init; }

    [JsonPropertyName("rlimits")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RlimitSpec>? Rlimits { get; init; }

    [JsonPropertyName("noNewPrivileges")]
    public bool NoNewPrivileges { get; init; }

    [JsonPropertyName("oomScoreAdj")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OomScoreAdj { get; init; }
}

public sealed record UserSpec
{
    [JsonPropertyName("uid")]
    public uint Uid { get; init; }

    [JsonPropertyName("gid")]
    public uint Gid { get; init; }

    [JsonPropertyName("umask")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Umask { get; init; }

    [JsonPropertyName("additionalGids")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<uint>? AdditionalGids { get; init; }
}

public sealed record CapabilitiesSpec
{
    [JsonPropertyName("bounding")]
    public IReadOnlyList<string> Bounding { get; init; } = [];

    [JsonPropertyName("effective")]
    public IReadOnlyList<string> Effective { get; init; } = [];

    [JsonPropertyName("inheritable")]
    public IReadOnlyList<string> Inheritable { get; init; } = [];

    [JsonPropertyName("permitted")]
    public IReadOnlyList<string> Permitted { get; init; } = [];

    [JsonPropertyName("ambient")]
    public IReadOnlyList<string> Ambient { get; init; } = [];
}

public sealed record RlimitSpec
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("hard")]
    public ulong Hard { get; init; }

    [JsonPropertyName("soft")]
    public ulong Soft { get; init; }
}

public sealed record RootSpec
{
    [JsonPropertyName("path")]
    public string Path { get; init; } = "rootfs";

    [JsonPropertyName("readonly")]
    public bool Readonly { get; init; }
}

/// <summary>A mount inside the container (runtime-spec config.md "Mounts").</summary>
public sealed record MountSpec
{
    [JsonPropertyName("destination")]
    public string Destination { get; init; } = "";

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }

    [JsonPropertyName("source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    [JsonPropertyName("options")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Options { get; init; }
}

public sealed record LinuxSpec
{
    [JsonPropertyName("namespaces")]
    public IReadOnlyList<NamespaceSpec> Namespaces { get; init; } = [];

    [JsonPropertyName("resources")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResourcesSpec? Resources { get; init; }

    [JsonPropertyName("cgroupsPath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CgroupsPath { get; init; }

    [JsonPropertyName("devices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DeviceSpec>? Devices { get; init; }

    [JsonPropertyName("maskedPaths")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? MaskedPaths { get; init; }

    [JsonPropertyName("readonlyPaths")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }

    [JsonPropertyName("sysctl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Sysctl { get; init; }

    [JsonPropertyName("rootfsPropagation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RootfsPropagation { get; init; }
}

/// <summary>A namespace to create (no path) or to join (path). Types: pid, network, mount, ipc, uts, user, cgroup.</summary>
public sealed record NamespaceSpec
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; init; }
}

public sealed record DeviceSpec
{
    [JsonPropertyName("path")]
    public string Path { get; init; } = "";

    [JsonPropertyName("type")]
    public string Type { get; init; } = "c";

    [JsonPropertyName("major")]
    public long Major { get; init; }

    [JsonPropertyName("minor")]
    public long Minor { get; init; }

    [JsonPropertyName("fileMode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? FileMode { get; init; }

    [JsonPropertyName("uid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Uid { get; init; }

    [JsonPropertyName("gid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Gid { get; init; }
}

public sealed record ResourcesSpec
{
    [JsonPropertyName("memory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemoryResources? Memory { get; init; }

    [JsonPropertyName("cpu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CpuResources? Cpu { get; init; }

    [JsonPropertyName("pids")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PidsResources? Pids { get; init; }

    [JsonPropertyName("devices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DeviceCgroupRule>? Devices { get; init; }
}

public sealed record MemoryResources
{
    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Limit { get; init; }

    [JsonPropertyName("swap")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Swap { get; init; }
}

public sealed record CpuResources
{
    [JsonPropertyName("shares")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Shares { get; init; }

    [JsonPropertyName("quota")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Quota { get; init; }

    [JsonPropertyName("period")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Period { get; init; }
}

public sealed record PidsResources
{
    [JsonPropertyName("limit")]
    public long Limit { get; init; }
}

public sealed record DeviceCgroupRule
{
    [JsonPropertyName("allow")]
    public bool Allow { get; init; }

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }

    [JsonPropertyName("major")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Major { get; init; }

    [JsonPropertyName("minor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Minor { get; init; }

    [JsonPropertyName("access")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Access { get; init; }
}
