using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Spec;

// linux.seccomp of the OCI runtime-spec (config-linux.md "Seccomp"): the filter as names and actions. The engine
// fills it from a seccomp profile (Containers/SeccompProfile); psc-shim turns it into a BPF program with libseccomp.

/// <summary>linux.seccomp: the default action, the architectures the filter accepts, and the per-syscall rules.</summary>
public sealed record SeccompSpec
{
    /// <summary>SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG, …</summary>
    [JsonPropertyName("defaultAction")]
    public string DefaultAction { get; set; } = "SCMP_ACT_ALLOW";

    /// <summary>The errno that SCMP_ACT_ERRNO (or SCMP_ACT_TRACE) returns by default; EPERM when absent.</summary>
    [JsonPropertyName("defaultErrnoRet")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? DefaultErrnoRet { get; set; }

    /// <summary>SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, …</summary>
    [JsonPropertyName("architectures")]
    public IReadOnlyList<string> Architectures { get; set; } = [];

    [JsonPropertyName("flags")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Flags { get; set; }

    [JsonPropertyName("syscalls")]
    public IReadOnlyList<SeccompSyscall> Syscalls { get; set; } = [];
}

/// <summary>One rule: these syscalls, when the argument conditions hold, get this action.</summary>
public sealed record SeccompSyscall
{
    [JsonPropertyName("names")]
    public IReadOnlyList<string> Names { get; set; } = [];

    [JsonPropertyName("action")]
    public string Action { get; set; } = "";

    [JsonPropertyName("errnoRet")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? ErrnoRet { get; set; }

    [JsonPropertyName("args")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SeccompArg>? Args { get; set; }
}

/// <summary>A condition on one syscall argument: <c>args[index] op value</c> (SCMP_CMP_MASKED_EQ uses valueTwo).</summary>
public sealed record SeccompArg
{
    [JsonPropertyName("index")]
    public uint Index { get; set; }

    [JsonPropertyName("value")]
    public ulong Value { get; set; }

    [JsonPropertyName("valueTwo")]
    public ulong ValueTwo { get; set; }

    /// <summary>SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ.</summary>
    [JsonPropertyName("op")]
    public string Op { get; set; } = "";
}
