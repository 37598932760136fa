using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using PSContainer.Runtime.Snapshots;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Shim;

/// <summary>
/// Builds the container's root filesystem at &lt;bundle&gt;/&lt;root.path&gt; (runc's prepareRootfs): the snapshot
/// mounts, the standard kernel filesystems, the config's mounts, then the device nodes. Runs in stage 2, in
/// the container's mount namespace, before pivot_root.
/// </summary>
internal static class RootfsSetup
{
    /// <summary>
    /// The mounts every container gets (runc's libcontainer/SPEC.md), in order: /dev before the mounts
    /// beneath it. A config mount with the same destination replaces the default one.
    /// </summary>
    private static readonly MountSpec[] Defaults =
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
        new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
        new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
    ];

    public static void Prepare(Bundle bundle, int namespaceFlags, IReadOnlyList<CgroupHierarchy> cgroupHierarchies)
    {
        string rootfs = bundle.RootfsPath;

        // 1. The snapshot's mounts (normally one overlay) onto the rootfs directory, in order. They come from
        //    the engine, not the image, so they are plain host paths.
        foreach (Mount mount in bundle.RootfsMounts)
        {
            string target = string.IsNullOrEmpty(mount.Target) || mount.Target == "/"
                ? rootfs
                : Path.Join(rootfs, mount.Target);
            OverlaySnapshotter.ClearVolatileMarker(mount);
            Mounter.Mount(mount, target);
        }

        // 2. pivot_root needs the new root to be a mount point. A plain directory (no snapshot mounts) is made
        //    one by binding it onto itself, as runc always does.
        if (bundle.RootfsMounts.Count == 0)
        {
            Mounter.BindOnly(rootfs, rootfs, recursive: true);
        }

        // 3. From here on every path is inside the image, which may hold hostile symlinks: resolve through the
        //    root descriptor only (ContainerPath), never by joining strings.
        using SafeFd root = SafeFd.OpenPath(rootfs, directory: true);
        HashSet<string> configured = new(bundle.Spec.Mounts.Select(m => Normalize(m.Destination)), StringComparer.Ordinal);
        foreach (MountSpec mount in Defaults)
        {
            if (!configured.Contains(mount.Destination) && Wanted(mount, namespaceFlags))
            {
                MountInContainer(bundle, root, mount);
            }
        }

        foreach (MountSpec mount in bundle.Spec.Mounts)
        {
            if (mount.Type == "cgroup")
            {
                CgroupMounts.Mount(root, Normalize(mount.Destination), mount.Options ?? [], cgroupHierarchies, Namespaces.Includes(namespaceFlags, "cgroup"));
            }
            else if (Wanted(mount, namespaceFlags))
            {
                MountInContainer(bundle, root, mount);
            }
        }

        // 4. Device nodes and /dev symlinks last, on the final /dev (a config mount may have replaced it) -
        //    unless the config binds a /dev of its own, which is then left exactly as it is (runc's needsSetupDev).
        bool devIsBound = bundle.Spec.Mounts.Any(m => Normalize(m.Destination) == "/dev" &&
            (m.Type == "bind" || MountOptions.Parse(m.Options).IsBind));
        if (!devIsBound)
        {
            DevFs.Populate(root);
        }

        // 5. linux.devices (a privileged container's copy of the host's devices), over the defaults.
        foreach (DeviceSpec device in bundle.Spec.Linux.Devices ?? [])
        {
            DevFs.Create(root, device);
        }
    }

    /// <summary>
    /// mqueue shows the IPC namespace of whoever mounts it: without a private one it would expose the host's
    /// message queues, so it is only mounted when the container has its own.
    /// </summary>
    private static bool Wanted(MountSpec mount, int namespaceFlags) =>
        mount.Type != "mqueue" || Namespaces.Includes(namespaceFlags, "ipc");

    private static void MountInContainer(Bundle bundle, SafeFd root, MountSpec mount)
    {
        string destination = Normalize(mount.Destination);
        bool copyUp = mount.Options?.Contains(SpecBuilder.CopyUpOption) == true;
        MountOptions options = MountOptions.Parse(mount.Options?.Where(o => o != SpecBuilder.CopyUpOption));
        bool bind = options.IsBind || mount.Type == "bind";
        if (!bind)
        {
            using SafeFd target = ContainerPath.OpenMountPoint(root, destination, directory: true);
            Mounter.MountFilesystem(mount.Source ?? mount.Type ?? "none", target.ProcPath, mount.Type ?? "none", options);
        }
        else
        {
            // A relative bind source is relative to the bundle (runtime-spec config.md).
            string source = Path.Combine(bundle.Directory, mount.Source ?? "");
            if (copyUp)
            {
                CopyUp(root, destination, source);
            }

            using (SafeFd target = ContainerPath.OpenMountPoint(root, destination, Directory.Exists(source)))
            {
                Mounter.BindOnly(source, target.ProcPath, options.IsRecursive);
            }

            // The descriptor above names the directory under the new mount; reopen to reach the mount itself.
            if (options.RemountFlags != 0)
            {
                using SafeFd mounted = ContainerPath.Open(root, destination);
                Mounter.RemountBind(mounted.ProcPath, options.RemountFlags);
            }
        }

        if (options.Propagation != 0)
        {
            using SafeFd mounted = ContainerPath.Open(root, destination);
            Mounter.SetPropagation(mounted.ProcPath, options.Propagation);
        }
    }

    /// <summary>
    /// The "copyup" option of a volume: an empty volume is first filled with what the image has at the mount point
    /// (docker does this for new named volumes), owners, modes and all. The image side is resolved inside the root.
    /// </summary>
    private static void CopyUp(SafeFd root, string destination, string volume)
    {
        if (!Directory.Exists(volume) || Directory.EnumerateFileSystemEntries(volume).Any())
        {
            return;
        }

        SafeFd image;
        try
        {
            image = ContainerPath.Open(root, destination, directory: true);
        }
        catch (LinuxException e) when (e.Errno is Errno.ENOENT or Errno.ENOTDIR)
        {
            return; // nothing there in the image
        }

        using (image)
        {
            TreeCopier.CopyWithOwnership(image.ProcPath, volume);
        }
    }

    private static string Normalize(string destination) =>
        "/" + string.Join('/', destination.Split('/', StringSplitOptions.RemoveEmptyEntries));
}
