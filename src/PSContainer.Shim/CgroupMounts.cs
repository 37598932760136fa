using PSContainer.Runtime.Linux;

namespace PSContainer.Shim;

/// <summary>
/// A mount of type "cgroup" (docker puts one at /sys/fs/cgroup): the host's cgroup hierarchies as the container
/// should see them. Inside a cgroup namespace each hierarchy is mounted afresh and shows the container's own cgroup
/// as its root; without one, the container's directory of each hierarchy is bound there instead (runc's way).
/// A v2-only host gets one cgroup2 mount; otherwise a tmpfs holds one directory per hierarchy, named as on the host.
/// </summary>
internal static class CgroupMounts
{
    public static void Mount(SafeFd root, string destination, IReadOnlyList<string> options, IReadOnlyList<CgroupHierarchy> hierarchies, bool cgroupNamespace)
    {
        string[] words = options.Where(o => o is "ro" or "rw" or "nosuid" or "nodev" or "noexec" or "suid" or "dev" or "exec").ToArray();
        MountOptions flags = MountOptions.Parse(words);
        string[] self = cgroupNamespace ? [] : File.ReadAllLines("/proc/self/cgroup");
        bool unifiedOnly = hierarchies.Count == 1 && hierarchies[0].Unified;
        if (unifiedOnly)
        {
            MountOne(root, destination, hierarchies[0], words, cgroupNamespace, self);
            return;
        }

        using (SafeFd target = ContainerPath.OpenMountPoint(root, destination, directory: true))
        {
            Mounter.MountFilesystem("tmpfs", target.ProcPath, "tmpfs", MountOptions.Parse(["nosuid", "nodev", "noexec", "mode=755"]));
        }

        foreach (CgroupHierarchy hierarchy in hierarchies)
        {
            MountOne(root, destination + "/" + hierarchy.Name, hierarchy, words, cgroupNamespace, self);
        }

        if ((flags.Flags & (ulong)Tmds.Linux.LibC.MS_RDONLY) != 0)
        {
            using SafeFd mounted = ContainerPath.Open(root, destination);
            Mounter.RemountBind(mounted.ProcPath, (ulong)(Tmds.Linux.LibC.MS_RDONLY | Tmds.Linux.LibC.MS_NOSUID | Tmds.Linux.LibC.MS_NODEV | Tmds.Linux.LibC.MS_NOEXEC));
        }
    }

    private static void MountOne(SafeFd root, string destination, CgroupHierarchy hierarchy, string[] words, bool cgroupNamespace, string[] self)
    {
        MountOptions flags = MountOptions.Parse(words);
        if (cgroupNamespace)
        {
            using SafeFd target = ContainerPath.OpenMountPoint(root, destination, directory: true);
            string type = hierarchy.Unified ? "cgroup2" : "cgroup";
            MountOptions withData = MountOptions.Parse(hierarchy.Unified ? words : words.Append(hierarchy.MountData));
            Mounter.MountFilesystem(type, target.ProcPath, type, withData);
            return;
        }

        string? own = hierarchy.CgroupOf(self);
        if (own is null)
        {
            return;
        }

        using (SafeFd target = ContainerPath.OpenMountPoint(root, destination, directory: true))
        {
            Mounter.BindOnly(hierarchy.DirectoryOf(own), target.ProcPath, recursive: true);
        }

        if (flags.RemountFlags != 0)
        {
            using SafeFd mounted = ContainerPath.Open(root, destination);
            Mounter.RemountBind(mounted.ProcPath, flags.RemountFlags);
        }
    }
}
