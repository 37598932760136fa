using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>
/// libseccomp 2.x (&lt;seccomp.h&gt;, the library runc and crun use), loaded on first use from libseccomp.so.2 (Debian
/// package libseccomp2). Functions return a negative errno on failure rather than setting errno. Only the calls
/// that turn a filter description into a BPF program are bound: the program is loaded with prctl(2) elsewhere.
/// </summary>
internal static unsafe partial class LibSeccomp
{
    private const string Library = "libseccomp.so.2";

    internal const uint SCMP_ACT_KILL_PROCESS = 0x80000000;
    internal const uint SCMP_ACT_KILL_THREAD = 0x00000000;
    internal const uint SCMP_ACT_TRAP = 0x00030000;
    internal const uint SCMP_ACT_NOTIFY = 0x7fc00000;
    internal const uint SCMP_ACT_ERRNO_BASE = 0x00050000;
    internal const uint SCMP_ACT_TRACE_BASE = 0x7ff00000;
    internal const uint SCMP_ACT_LOG = 0x7ffc0000;
    internal const uint SCMP_ACT_ALLOW = 0x7fff0000;

    internal const int SCMP_FLTATR_CTL_NNP = 3;
    internal const int SCMP_FLTATR_CTL_OPTIMIZE = 8;

    internal const int SCMP_CMP_NE = 1;
    internal const int SCMP_CMP_LT = 2;
    internal const int SCMP_CMP_LE = 3;
    internal const int SCMP_CMP_EQ = 4;
    internal const int SCMP_CMP_GE = 5;
    internal const int SCMP_CMP_GT = 6;
    internal const int SCMP_CMP_MASKED_EQ = 7;

    internal const int __NR_SCMP_ERROR = -1;

    [LibraryImport(Library)]
    internal static partial nint seccomp_init(uint defaultAction);

    [LibraryImport(Library)]
    internal static partial void seccomp_release(nint ctx);

    [LibraryImport(Library)]
    internal static partial int seccomp_attr_set(nint ctx, int attribute, uint value);

    [LibraryImport(Library)]
    internal static partial uint seccomp_arch_native();

    [LibraryImport(Library)]
    internal static partial uint seccomp_arch_resolve_name(byte* name);

    [LibraryImport(Library)]
    internal static partial int seccomp_arch_add(nint ctx, uint archToken);

    [LibraryImport(Library)]
    internal static partial int seccomp_syscall_resolve_name(byte* name);

    [LibraryImport(Library)]
    internal static partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint argCount, scmp_arg_cmp* args);

    [LibraryImport(Library)]
    internal static partial int seccomp_export_bpf(nint ctx, int fd);
}

#pragma warning disable CS8981 // C names on purpose
/// <summary>struct scmp_arg_cmp: argument index, comparison (enum scmp_compare) and two 64-bit operands.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct scmp_arg_cmp
{
    public uint arg;
    public int op;
    public ulong datum_a;
    public ulong datum_b;
}
#pragma warning restore CS8981
