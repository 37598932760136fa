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
    /// The flags for unshare(2) that create the namespaces listed in a config. Joining a namespace by path
    /// and user namespaces are not supported yet: the first needs setns before the unshare, the second a
    /// single-threaded process (see DESIGN.md).
    /// </summary>
    public static int FlagsToCreate(IEnumerable<NamespaceSpec> namespaces)
    {
        int flags = 0;
        foreach (NamespaceSpec ns in namespaces)
        {
            int flag = CloneFlag(ns.Type);
            if (!string.IsNullOrEmpty(ns.Path))
            {
                throw new ContainerRuntimeException(ErrorKind.NotImplemented, "NamespaceJoinNotImplemented",
                    $"namespace {ns.Type} {ns.Path}: joining an existing namespace is not implemented yet");
            }

            if (flag == CLONE_NEWUSER)
            {
                throw new ContainerRuntimeException(ErrorKind.NotImplemented, "UserNamespaceNotImplemented",
                    "namespace user: user namespaces need a single-threaded helper and are not supported yet");
            }

            flags |= flag;
        }

        return flags;
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

    /// <summary>Opens the calling thread's own namespace of a kind (<c>mnt</c>, <c>net</c>, …) to return to it later.</summary>
    public static SafeFd OpenCurrent(string procName) =>
        SafeFd.Open("/proc/thread-self/ns/" + procName, O_RDONLY);

    /// <summary>setns(2) on the calling thread; <paramref name="flag"/> is the CLONE_NEW* kind expected.</summary>
    public static void Enter(SafeFd ns, int flag)
    {
        if (setns(ns.Fd, flag) < 0)
        {
            throw LinuxException.FromLastError("setns", ns.ProcPath);
        }
    }
}
