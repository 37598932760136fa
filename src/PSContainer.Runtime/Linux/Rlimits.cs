using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>process.rlimits: resource limits of the calling process, by their runtime-spec names (RLIMIT_NOFILE, …).</summary>
public static unsafe class Rlimits
{
    private static readonly Dictionary<string, int> Resources = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = Sys.RLIMIT_CPU,
        ["RLIMIT_FSIZE"] = Sys.RLIMIT_FSIZE,
        ["RLIMIT_DATA"] = Sys.RLIMIT_DATA,
        ["RLIMIT_STACK"] = Sys.RLIMIT_STACK,
        ["RLIMIT_CORE"] = Sys.RLIMIT_CORE,
        ["RLIMIT_RSS"] = Sys.RLIMIT_RSS,
        ["RLIMIT_NPROC"] = Sys.RLIMIT_NPROC,
        ["RLIMIT_NOFILE"] = Sys.RLIMIT_NOFILE,
        ["RLIMIT_MEMLOCK"] = Sys.RLIMIT_MEMLOCK,
        ["RLIMIT_AS"] = Sys.RLIMIT_AS,
        ["RLIMIT_LOCKS"] = Sys.RLIMIT_LOCKS,
        ["RLIMIT_SIGPENDING"] = Sys.RLIMIT_SIGPENDING,
        ["RLIMIT_MSGQUEUE"] = Sys.RLIMIT_MSGQUEUE,
        ["RLIMIT_NICE"] = Sys.RLIMIT_NICE,
        ["RLIMIT_RTPRIO"] = Sys.RLIMIT_RTPRIO,
        ["RLIMIT_RTTIME"] = Sys.RLIMIT_RTTIME,
    };

    /// <summary>
    /// Sets each limit on the calling process. Raising a hard limit needs CAP_SYS_RESOURCE, so this runs while the
    /// process is still root with its full capabilities; a limit the runtime itself is not allowed fails with EPERM.
    /// </summary>
    public static void Apply(IReadOnlyList<RlimitSpec>? limits)
    {
        foreach (RlimitSpec limit in limits ?? [])
        {
            if (!Resources.TryGetValue(limit.Type, out int resource))
            {
                throw ContainerRuntimeException.InvalidArgument("RlimitUnknown", $"process.rlimits: unknown type \"{limit.Type}\"", limit.Type);
            }

            Interop.rlimit64 value = new() { rlim_cur = limit.Soft, rlim_max = limit.Hard };
            if (Sys.prlimit(0, resource, &value, null) < 0)
            {
                throw LinuxException.FromLastError("prlimit", limit.Type);
            }
        }
    }

    /// <summary>The calling process's (soft, hard) limit of a resource.</summary>
    public static (ulong Soft, ulong Hard) Get(string type)
    {
        Interop.rlimit64 value;
        if (!Resources.TryGetValue(type, out int resource) || Sys.prlimit(0, resource, null, &value) < 0)
        {
            throw new LinuxException(Errno.EINVAL, "prlimit", type);
        }

        return (value.rlim_cur, value.rlim_max);
    }
}
