using System.Globalization;
using System.Runtime.InteropServices;
using PSContainer.Runtime.Errors;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Linux capabilities by name (<c>CAP_CHOWN</c>, … as in capabilities(7) and the runtime-spec) and the calls that
/// change a process's sets: the bounding set (prctl PR_CAPBSET_DROP), keep-caps across setuid (PR_SET_KEEPCAPS),
/// effective/permitted/inheritable (capset) and ambient (PR_CAP_AMBIENT).
/// </summary>
public static unsafe class Capabilities
{
    /// <summary>Every capability name the headers of Linux 6.x define, indexed by its number (checked against &lt;linux/capability.h&gt;).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Lazy<int> KernelLast = new(ReadLastCap);

    /// <summary>The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).</summary>
    public static int KernelLastCap => KernelLast.Value;

    /// <summary>The number of <paramref name="name"/> (<c>CAP_NET_RAW</c>), or -1 when it is not a capability.</summary>
    public static int NumberOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The bit mask of a list of names; an unknown name fails with InvalidArgument (CapabilityUnknown).</summary>
    public static ulong ToMask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            int n = NumberOf(name);
            if (n < 0)
            {
                throw ContainerRuntimeException.InvalidArgument("CapabilityUnknown", $"capability {name}: unknown", name);
            }

            mask |= 1UL << n;
        }

        return mask;
    }

    /// <summary>The names in a mask, in number order (bits beyond the known names are shown as numbers).</summary>
    public static IReadOnlyList<string> FromMask(ulong mask)
    {
        List<string> names = [];
        for (int i = 0; i < 64; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                names.Add(i < Names.Count ? Names[i] : i.ToString(CultureInfo.InvariantCulture));
            }
        }

        return names;
    }

    /// <summary>The calling thread's bounding set (PR_CAPBSET_READ for each capability the kernel knows).</summary>
    public static ulong CurrentBoundingSet()
    {
        ulong mask = 0;
        for (int cap = 0; cap <= KernelLastCap; cap++)
        {
            int rv = Sys.prctl(Sys.PR_CAPBSET_READ, (nuint)cap, 0, 0, 0);
            if (rv > 0)
            {
                mask |= 1UL << cap;
            }
        }

        return mask;
    }

    /// <summary>
    /// Drops every capability not in <paramref name="keep"/> from the bounding set. Needs CAP_SETPCAP, so it comes
    /// before the switch to the container's user (runc's finalizeNamespace).
    /// </summary>
    public static void DropBoundingSet(ulong keep)
    {
        for (int cap = 0; cap <= KernelLastCap; cap++)
        {
            if ((keep & (1UL << cap)) == 0 && Sys.prctl(Sys.PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0) < 0)
            {
                throw LinuxException.FromLastError("prctl PR_CAPBSET_DROP", NameOf(cap));
            }
        }
    }

    /// <summary>PR_SET_KEEPCAPS: keep the permitted set across a setuid away from 0 (cleared again afterwards).</summary>
    public static void SetKeepCapabilities(bool keep)
    {
        if (Sys.prctl(Sys.PR_SET_KEEPCAPS, keep ? 1u : 0u, 0, 0, 0) < 0)
        {
            throw LinuxException.FromLastError("prctl PR_SET_KEEPCAPS");
        }
    }

    /// <summary>capset(2) for the calling thread: the effective, permitted and inheritable sets at once.</summary>
    public static void Set(ulong effective, ulong permitted, ulong inheritable)
    {
        Interop.cap_user_header header = new() { version = Sys._LINUX_CAPABILITY_VERSION_3, pid = 0 };
        Interop.cap_user_data* data = stackalloc Interop.cap_user_data[Sys._LINUX_CAPABILITY_U32S_3];
        for (int word = 0; word < Sys._LINUX_CAPABILITY_U32S_3; word++)
        {
            int shift = 32 * word;
            data[word].effective = (uint)(effective >> shift);
            data[word].permitted = (uint)(permitted >> shift);
            data[word].inheritable = (uint)(inheritable >> shift);
        }

        if (Sys.capset(&header, data) < 0)
        {
            throw LinuxException.FromLastError("capset");
        }
    }

    /// <summary>The calling thread's (effective, permitted, inheritable) sets.</summary>
    public static (ulong Effective, ulong Permitted, ulong Inheritable) Get()
    {
        Interop.cap_user_header header = new() { version = Sys._LINUX_CAPABILITY_VERSION_3, pid = 0 };
        Interop.cap_user_data* data = stackalloc Interop.cap_user_data[Sys._LINUX_CAPABILITY_U32S_3];
        if (Sys.capget(&header, data) < 0)
        {
            throw LinuxException.FromLastError("capget");
        }

        return (data[0].effective | ((ulong)data[1].effective << 32),
            data[0].permitted | ((ulong)data[1].permitted << 32),
            data[0].inheritable | ((ulong)data[1].inheritable << 32));
    }

    /// <summary>
    /// Replaces the ambient set. Each ambient capability must already be permitted and inheritable (capabilities(7)),
    /// so this comes after <see cref="Set"/>. Kernels without ambient capabilities (before 4.3) accept an empty set.
    /// </summary>
    public static void SetAmbient(ulong ambient)
    {
        if (Sys.prctl(Sys.PR_CAP_AMBIENT, Sys.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINVAL && ambient == 0)
            {
                return;
            }

            throw new LinuxException(errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL");
        }

        for (int cap = 0; cap < 64; cap++)
        {
            if ((ambient & (1UL << cap)) != 0 && Sys.prctl(Sys.PR_CAP_AMBIENT, Sys.PR_CAP_AMBIENT_RAISE, (nuint)cap, 0, 0) < 0)
            {
                throw LinuxException.FromLastError("prctl PR_CAP_AMBIENT_RAISE", NameOf(cap));
            }
        }
    }

    private static string NameOf(int cap) => cap < Names.Count ? Names[cap] : cap.ToString(CultureInfo.InvariantCulture);

    private static int ReadLastCap()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // Without /proc (it is mounted in every container and on every host we run on), trust the headers.
            return Names.Count - 1;
        }
    }
}
