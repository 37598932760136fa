using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Creating and entering namespaces. Namespaces are per thread: unshare(2) and setns(2) move only the calling
/// thread, so the shim does all of this on its main thread, which is also the thread that Process.Start
/// forks from (the child inherits the forking thread's namespaces).
/// </summary>
public static class Namespaces
{
    /// <summary>The CLONE_NEW* flag for a runtime-spec namespace type.</summary>
    public static int CloneFlag(string type) => type switch
    {
        "mount" => CLONE_NEWNS,
        "uts" => CLONE_NEWUTS,
        "ipc" => CLONE_NEWIPC,
        "pid" => CLONE_NEWPID,
        "network" => CLONE_NEWNET,
        "cgroup" => CLONE_NEWCGROUP,
        "user" => CLONE_NEWUSER,
        _ => throw ContainerRuntimeException.InvalidArgument(
            "NamespaceTypeUnknown", $"namespace type \"{type}\": unknown", type),
    };

    /// <summary>
    /// The flags for unshare(2) that create the namespaces listed in a config without a path (those with a path
    /// are joined instead, see <see cref="JoinExisting"/>). User namespaces are not supported: they need a
    /// single-threaded process (see DESIGN.md). Joining a mount namespace is refused too: the rootfs is built in a
    /// mount namespace of the container's own.
    /// </summary>
    public static int FlagsToCreate(IEnumerable<NamespaceSpec> namespaces)
    {
        int flags = 0;
        foreach (NamespaceSpec ns in namespaces)
        {
            int flag = CloneFlag(ns.Type);
            if (flag == CLONE_NEWUSER)
            {
                throw new ContainerRuntimeException(ErrorKind.NotImplemented, "UserNamespaceNotImplemented",
                    "namespace user: user namespaces need a single-threaded helper and are not supported yet");
            }

            if (!string.IsNullOrEmpty(ns.Path))
            {
                if (flag == CLONE_NEWNS)
                {
                    throw new ContainerRuntimeException(ErrorKind.NotImplemented, "NamespaceJoinNotImplemented",
                        $"namespace mount {ns.Path}: joining an existing mount namespace is not supported (the root filesystem needs one of its own)");
                }

                continue;
            }

            flags |= flag;
        }

        return flags;
    }

    /// <summary>
    /// setns(2) into every namespace that the config names by path (<c>/proc/&lt;pid&gt;/ns/net</c>, a bind-mounted
    /// namespace file). On the calling thread, before the new ones are unshared; a PID namespace joined this way
    /// applies to the children started afterwards, as with unshare.
    /// </summary>
    public static void JoinExisting(IEnumerable<NamespaceSpec> namespaces)
    {
        foreach (NamespaceSpec ns in namespaces)
        {
            if (string.IsNullOrEmpty(ns.Path))
            {
                continue;
            }

            int flag = CloneFlag(ns.Type);
            SafeFd fd;
            try
            {
                fd = SafeFd.Open(ns.Path, O_RDONLY);
            }
            catch (LinuxException e)
            {
                throw new ContainerRuntimeException(ErrorKind.NotFound, "NamespacePathNotFound",
                    $"namespace {ns.Type} {ns.Path}: {LinuxException.Describe(e.Errno)}", e) { Target = ns.Path };
            }

            using (fd)
            {
                Enter(fd, flag);
            }
        }
    }

    /// <summary>True when <paramref name="flags"/> include <paramref name="type"/>'s CLONE_NEW* flag.</summary>
    public static bool Includes(int flags, string type) => (flags & CloneFlag(type)) != 0;

    /// <summary>unshare(2) on the calling thread.</summary>
    public static void Unshare(int flags)
    {
        if (unshare(flags) < 0)
        {
            throw LinuxException.FromLastError("unshare");
        }
    }

    /// <summary>
    /// unshare(CLONE_FS): the calling thread gets its own root, cwd and umask instead of sharing the process's. A
    /// thread must have that before setns(CLONE_NEWNS), which the kernel refuses while they are shared.
    /// </summary>
    public static void UnshareFileSystemInfo() => Unshare(CLONE_FS);

    /// <summary>Opens the calling thread's own namespace of a kind (<c>mnt</c>, <c>net</c>, …) to return to it later.</summary>
    public static SafeFd OpenCurrent(string procName) =>
        SafeFd.Open("/proc/thread-self/ns/" + procName, O_RDONLY);

    /// <summary>/proc/&lt;pid&gt;/ns/&lt;kind&gt; of another process, for joining its namespace of a runtime-spec type.</summary>
    public static SafeFd OpenOf(int pid, string type) =>
        SafeFd.Open("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/ns/" + ProcName(type), O_RDONLY);

    /// <summary>The /proc/&lt;pid&gt;/ns entry of a runtime-spec namespace type.</summary>
    public static string ProcName(string type) => type switch
    {
        "mount" => "mnt",
        "network" => "net",
        _ => type,
    };

    /// <summary>setns(2) on the calling thread; <paramref name="flag"/> is the CLONE_NEW* kind expected.</summary>
    public static void Enter(SafeFd ns, int flag)
    {
        if (setns(ns.Fd, flag) < 0)
        {
            throw LinuxException.FromLastError("setns", ns.ProcPath);
        }
    }
}
