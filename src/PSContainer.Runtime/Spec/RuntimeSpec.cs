using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

// The subset of the OCI runtime-spec (config.md, config-linux.md) that PSContainer writes and psc-shim reads.
// A bundle's config.json keeps the standard field names, so other runtimes and tools can read it.

/// <summary>The root of an OCI bundle's config.json.</summary>
public sealed record RuntimeSpec
{
    [JsonPropertyName("ociVersion")]
    public string OciVersion { get; set; } = "1.2.0";

    [JsonPropertyName("process")]
    public ProcessSpec Process { get; set; } = new();

    [JsonPropertyName("root")]
    public RootSpec Root { get; set; } = new();

    [JsonPropertyName("hostname")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hostname { get; set; }

    [JsonPropertyName("mounts")]
    public IReadOnlyList<MountSpec> Mounts { get; set; } = [];

    [JsonPropertyName("linux")]
    public LinuxSpec Linux { get; set; } = new();

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; set; }
}

public sealed record ProcessSpec
{
    [JsonPropertyName("terminal")]
    public bool Terminal { get; set; }

    [JsonPropertyName("user")]
    public UserSpec User { get; set; } = new();

    [JsonPropertyName("args")]
    public IReadOnlyList<string> Args { get; set; } = [];

    [JsonPropertyName("env")]
    public IReadOnlyList<string> Env { get; set; } = [];

    [JsonPropertyName("cwd")]
    public string Cwd { get; set; } = "/";

    [JsonPropertyName("capabilities")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CapabilitiesSpec? Capabilities { get; set; }

    [JsonPropertyName("rlimits")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RlimitSpec>? Rlimits { get; set; }

    [JsonPropertyName("noNewPrivileges")]
    public bool NoNewPrivileges { get; set; }

    [JsonPropertyName("oomScoreAdj")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OomScoreAdj { get; set; }

    /// <summary>The terminal's size when <see cref="Terminal"/> is set (runtime-spec process.consoleSize).</summary>
    [JsonPropertyName("consoleSize")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConsoleSizeSpec? ConsoleSize { get; set; }
}

public sealed record ConsoleSizeSpec
{
    [JsonPropertyName("height")]
    public uint Height { get; set; }

    [JsonPropertyName("width")]
    public uint Width { get; set; }
}

public sealed record UserSpec
{
    [JsonPropertyName("uid")]
    public uint Uid { get; set; }

    [JsonPropertyName("gid")]
    public uint Gid { get; set; }

    [JsonPropertyName("umask")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Umask { get; set; }

    [JsonPropertyName("additionalGids")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<uint>? AdditionalGids { get; set; }
}

public sealed record CapabilitiesSpec
{
    [JsonPropertyName("bounding")]
    public IReadOnlyList<string> Bounding { get; set; } = [];

    [JsonPropertyName("effective")]
    public IReadOnlyList<string> Effective { get; set; } = [];

    [JsonPropertyName("inheritable")]
    public IReadOnlyList<string> Inheritable { get; set; } = [];

    [JsonPropertyName("permitted")]
    public IReadOnlyList<string> Permitted { get; set; } = [];

    [JsonPropertyName("ambient")]
    public IReadOnlyList<string> Ambient { get; set; } = [];
}

public sealed record RlimitSpec
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("hard")]
    public ulong Hard { get; set; }

    [JsonPropertyName("soft")]
    public ulong Soft { get; set; }
}

public sealed record RootSpec
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "rootfs";

    [JsonPropertyName("readonly")]
    public bool Readonly { get; set; }
}

/// <summary>A mount inside the container (runtime-spec config.md "Mounts").</summary>
public sealed record MountSpec
{
    [JsonPropertyName("destination")]
    public string Destination { get; set; } = "";

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; set; }

    [JsonPropertyName("source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; set; }

    [JsonPropertyName("options")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Options { get; set; }
}

public sealed record LinuxSpec
{
    [JsonPropertyName("namespaces")]
    public IReadOnlyList<NamespaceSpec> Namespaces { get; set; } = [];

    [JsonPropertyName("resources")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResourcesSpec? Resources { get; set; }

    [JsonPropertyName("cgroupsPath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CgroupsPath { get; set; }

    [JsonPropertyName("devices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DeviceSpec>? Devices { get; set; }

    [JsonPropertyName("maskedPaths")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? MaskedPaths { get; set; }

    [JsonPropertyName("readonlyPaths")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ReadonlyPaths { get; set; }

    [JsonPropertyName("sysctl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Sysctl { get; set; }

    [JsonPropertyName("rootfsPropagation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RootfsPropagation { get; set; }

    /// <summary>The syscall filter (see <see cref="SeccompSpec"/>); none when null.</summary>
    [JsonPropertyName("seccomp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SeccompSpec? Seccomp { get; set; }
}

/// <summary>A namespace to create (no path) or to join (path). Types: pid, network, mount, ipc, uts, user, cgroup.</summary>
public sealed record NamespaceSpec
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; set; }
}

public sealed record DeviceSpec
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    [JsonPropertyName("type")]
    public string Type { get; set; } = "c";

    [JsonPropertyName("major")]
    public long Major { get; set; }

    [JsonPropertyName("minor")]
    public long Minor { get; set; }

    [JsonPropertyName("fileMode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? FileMode { get; set; }

    [JsonPropertyName("uid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Uid { get; set; }

    [JsonPropertyName("gid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Gid { get; set; }
}

public sealed record ResourcesSpec
{
    [JsonPropertyName("memory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemoryResources? Memory { get; set; }

    [JsonPropertyName("cpu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CpuResources? Cpu { get; set; }

    [JsonPropertyName("pids")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PidsResources? Pids { get; set; }

    [JsonPropertyName("devices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DeviceCgroupRule>? Devices { get; set; }
}

public sealed record MemoryResources
{
    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Limit { get; set; }

    [JsonPropertyName("swap")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Swap { get; set; }
}

public sealed record CpuResources
{
    [JsonPropertyName("shares")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Shares { get; set; }

    [JsonPropertyName("quota")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Quota { get; set; }

    [JsonPropertyName("period")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Period { get; set; }
}

public sealed record PidsResources
{
    [JsonPropertyName("limit")]
    public long Limit { get; set; }
}

public sealed record DeviceCgroupRule
{
    [JsonPropertyName("allow")]
    public bool Allow { get; set; }

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; set; }

    [JsonPropertyName("major")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Major { get; set; }

    [JsonPropertyName("minor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Minor { get; set; }

    [JsonPropertyName("access")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Access { get; set; }
}
