using System.Runtime.InteropServices;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using static Tmds.Linux.LibC;
using Sec = PSContainer.Runtime.Linux.Interop.LibSeccomp;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A runtime-spec seccomp filter (linux.seccomp) turned into a classic BPF program by libseccomp, and the loading of
/// such a program into the calling thread. Syscall names are resolved by libseccomp for each architecture, never
/// by a table of ours. psc-shim compiles in its outer process (while the container's init starts on the other
/// core) and hands the finished program over, so the init only makes one prctl(2) call, right before execve.
/// </summary>
public static unsafe class SeccompFilter
{
    /// <summary>SCMP_ACT_ERRNO and SCMP_ACT_TRACE without an errnoRet return EPERM (runtime-spec config-linux.md).</summary>
    private const uint DefaultErrno = 1;

    private const uint SECCOMP_SET_MODE_FILTER = 1;

    /// <summary>The filter flags that may be given in linux.seccomp.flags, with their values from &lt;linux/seccomp.h&gt;.</summary>
    internal static readonly IReadOnlyDictionary<string, uint> FlagValues = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SECCOMP_FILTER_FLAG_LOG"] = 2,
        ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] = 4,
    };

    /// <summary>Compiles <paramref name="spec"/> for the native architecture and those it lists; returns the BPF program.</summary>
    public static byte[] Compile(SeccompSpec spec)
    {
        uint defaultAction = Action(spec.DefaultAction, spec.DefaultErrnoRet);
        nint ctx;
        try
        {
            ctx = Sec.seccomp_init(defaultAction);
        }
        catch (DllNotFoundException e)
        {
            throw ContainerRuntimeException.Unavailable("SeccompLibraryMissing",
                "seccomp: libseccomp.so.2 is not installed (Debian package libseccomp2)", e);
        }

        if (ctx == 0)
        {
            throw Invalid($"defaultAction {spec.DefaultAction}: libseccomp refused it");
        }

        try
        {
            foreach (string arch in spec.Architectures)
            {
                AddArchitecture(ctx, arch);
            }

            foreach (SeccompSyscall rule in spec.Syscalls)
            {
                uint action = Action(rule.Action, rule.ErrnoRet);
                if (action == defaultAction)
                {
                    continue; // libseccomp refuses a rule that repeats the default action, and it changes nothing
                }

                foreach (string name in rule.Names)
                {
                    AddRule(ctx, action, name, rule.Args ?? []);
                }
            }

            return Export(ctx);
        }
        finally
        {
            Sec.seccomp_release(ctx);
        }
    }

    /// <summary>
    /// Installs a compiled program on the calling thread. Without no_new_privs this needs CAP_SYS_ADMIN; the filter
    /// then holds for this thread and everything it execs or starts, and can never be removed.
    /// </summary>
    public static void Load(ReadOnlySpan<byte> program, IReadOnlyList<string>? flags = null)
    {
        if (program.Length == 0 || program.Length % 8 != 0 || program.Length / 8 > ushort.MaxValue)
        {
            throw new LinuxException(Errno.EINVAL, "seccomp", null, $"a BPF program of {program.Length} bytes");
        }

        uint flagBits = 0;
        foreach (string flag in flags ?? [])
        {
            flagBits |= FlagValues.TryGetValue(flag, out uint bit) ? bit : throw Invalid($"flag {flag}: not supported");
        }

        fixed (byte* filter = program)
        {
            SockFprog fprog = new() { Length = (ushort)(program.Length / 8), Filter = filter };
            long rv = flagBits == 0
                ? Sys.prctl(Sys.PR_SET_SECCOMP, Sys.SECCOMP_MODE_FILTER, (nuint)(&fprog), 0, 0)
                : Sys.Syscall(Sys.SYS_seccomp, (nint)SECCOMP_SET_MODE_FILTER, (nint)flagBits, (nint)(&fprog));
            if (rv < 0)
            {
                throw LinuxException.FromLastError("seccomp");
            }
        }
    }

    /// <summary>The libseccomp action word for a runtime-spec action name.</summary>
    internal static uint Action(string name, uint? errnoRet) => name switch
    {
        "SCMP_ACT_ALLOW" => Sec.SCMP_ACT_ALLOW,
        "SCMP_ACT_ERRNO" => Sec.SCMP_ACT_ERRNO_BASE | ((errnoRet ?? DefaultErrno) & 0xffff),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => Sec.SCMP_ACT_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => Sec.SCMP_ACT_KILL_PROCESS,
        "SCMP_ACT_TRAP" => Sec.SCMP_ACT_TRAP,
        "SCMP_ACT_TRACE" => Sec.SCMP_ACT_TRACE_BASE | ((errnoRet ?? DefaultErrno) & 0xffff),
        "SCMP_ACT_LOG" => Sec.SCMP_ACT_LOG,
        _ => throw Invalid($"action {name}: unknown or not supported"),
    };

    private static void AddArchitecture(nint ctx, string name)
    {
        string short_ = name.StartsWith("SCMP_ARCH_", StringComparison.Ordinal) ? name["SCMP_ARCH_".Length..] : name;
        uint token;
        fixed (byte* p = NativeStrings.Utf8z(short_.ToLowerInvariant()))
        {
            token = Sec.seccomp_arch_resolve_name(p);
        }

        if (token == 0)
        {
            throw Invalid($"architecture {name}: unknown to libseccomp");
        }

        int rc = Sec.seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -Errno.EEXIST) // the native architecture is always present
        {
            throw new LinuxException(-rc, "seccomp_arch_add", name);
        }
    }

    private static void AddRule(nint ctx, uint action, string name, IReadOnlyList<SeccompArg> args)
    {
        int nr;
        fixed (byte* p = NativeStrings.Utf8z(name))
        {
            nr = Sec.seccomp_syscall_resolve_name(p);
        }

        if (nr == Sec.__NR_SCMP_ERROR)
        {
            return; // a syscall this architecture or this libseccomp does not know: nothing to filter (runc does the same)
        }

        // libseccomp ANDs the conditions of one rule and refuses two on the same argument; conditions on a repeated
        // argument are therefore added as separate rules, which ORs them (runc's behaviour).
        bool repeated = args.Select(a => a.Index).Distinct().Count() != args.Count;
        if (repeated)
        {
            foreach (SeccompArg arg in args)
            {
                AddConditional(ctx, action, nr, name, [arg]);
            }
        }
        else
        {
            AddConditional(ctx, action, nr, name, args);
        }
    }

    private static void AddConditional(nint ctx, uint action, int nr, string name, IReadOnlyList<SeccompArg> args)
    {
        Interop.scmp_arg_cmp* conditions = stackalloc Interop.scmp_arg_cmp[Math.Max(args.Count, 1)];
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i].Index > 5)
            {
                throw Invalid($"syscall {name}: argument index {args[i].Index} is out of range (0-5)");
            }

            conditions[i] = new Interop.scmp_arg_cmp
            {
                arg = args[i].Index,
                op = Operator(args[i].Op),
                datum_a = args[i].Value,
                datum_b = args[i].ValueTwo,
            };
        }

        int rc = Sec.seccomp_rule_add_array(ctx, action, nr, (uint)args.Count, args.Count == 0 ? null : conditions);
        if (rc < 0)
        {
            throw new LinuxException(-rc, "seccomp_rule_add", name);
        }
    }

    private static int Operator(string op) => op switch
    {
        "SCMP_CMP_NE" => Sec.SCMP_CMP_NE,
        "SCMP_CMP_LT" => Sec.SCMP_CMP_LT,
        "SCMP_CMP_LE" => Sec.SCMP_CMP_LE,
        "SCMP_CMP_EQ" => Sec.SCMP_CMP_EQ,
        "SCMP_CMP_GE" => Sec.SCMP_CMP_GE,
        "SCMP_CMP_GT" => Sec.SCMP_CMP_GT,
        "SCMP_CMP_MASKED_EQ" => Sec.SCMP_CMP_MASKED_EQ,
        _ => throw Invalid($"operator {op}: unknown"),
    };

    /// <summary>libseccomp 2.5 can only export to a descriptor: an anonymous memory file, read back whole.</summary>
    private static byte[] Export(nint ctx)
    {
        int fd;
        fixed (byte* name = "psc-seccomp\0"u8)
        {
            fd = memfd_create(name, MFD_CLOEXEC);
        }

        if (fd < 0)
        {
            throw LinuxException.FromLastError("memfd_create");
        }

        using SafeFd memory = new(fd);
        int rc = Sec.seccomp_export_bpf(ctx, memory.Fd);
        if (rc < 0)
        {
            throw new LinuxException(-rc, "seccomp_export_bpf");
        }

        if (lseek(memory.Fd, 0, SEEK_SET) < 0)
        {
            throw LinuxException.FromLastError("lseek");
        }

        return memory.ReadToEnd(limit: ushort.MaxValue * 8);
    }

    private static ContainerRuntimeException Invalid(string what) =>
        ContainerRuntimeException.InvalidArgument("SeccompProfileInvalid", "linux.seccomp " + what);

    /// <summary>struct sock_fprog: the instruction count, then (8-byte aligned) the pointer to the instructions.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFprog
    {
        public ushort Length;
        public byte* Filter;
    }
}
