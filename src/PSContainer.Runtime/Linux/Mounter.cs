using System.Runtime.InteropServices;
using System.Text;
using PSContainer.Runtime.Errors;
using static Tmds.Linux.LibC;
using Mount = PSContainer.Runtime.Snapshots.Mount;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Performs mounts: the <see cref="Mount"/> records that snapshotters return (containerd's mount.Mount), and
/// the plain mount(2) operations the shim needs around them (bind, remount, propagation, detach).
/// </summary>
/// <remarks>
/// An overlay is mounted with the file-descriptor mount API when it can be (fsopen("overlay"), one
/// <c>fsconfig(FSCONFIG_SET_STRING, "lowerdir+", layer)</c> per layer, fsmount, move_mount): each layer path is
/// its own string, so the number of layers is not limited by mount(2)'s single 4096-byte option page. Kernels
/// without the new API (ENOSYS, before 5.2) or without "lowerdir+" (EINVAL, before 6.8) get mount(2) with the
/// layers joined by ':' top first, which is what "lowerdir=" means.
/// </remarks>
public static unsafe class Mounter
{
    /// <summary>Performs a snapshot mount record at <paramref name="target"/> (an existing directory).</summary>
    public static void Mount(Mount mount, string target)
    {
        MountOptions options = MountOptions.Parse(mount.Options);
        if (mount.Type == "overlay")
        {
            MountOverlay(mount.Source, target, options);
        }
        else if (options.IsBind)
        {
            Bind(mount.Source, target, options);
        }
        else
        {
            MountFilesystem(mount.Source, target, mount.Type, options);
        }

        if (options.Propagation != 0)
        {
            SetPropagation(target, options.Propagation);
        }
    }

    /// <summary>mount(2) of a filesystem (not a bind) with its flags and data.</summary>
    public static void MountFilesystem(string source, string target, string type, MountOptions options) =>
        Syscall(source, target, type, options.Flags & ~(ulong)MS_REC, options.DataString);

    /// <summary>
    /// A bind mount (recursive for "rbind"). Per-mount flags such as ro or nosuid are ignored by the kernel on
    /// the initial MS_BIND call, so they are applied with a second MS_REMOUNT|MS_BIND call, as runc does.
    /// </summary>
    /// <remarks>
    /// The second call must reach the new mount. A real path does (lookup steps onto the top mount), but a
    /// /proc/self/fd path taken before the bind names the directory underneath: callers that mount through
    /// descriptors use <see cref="BindOnly"/>, reopen the target, then <see cref="RemountBind"/>.
    /// </remarks>
    public static void Bind(string source, string target, MountOptions options)
    {
        BindOnly(source, target, options.IsRecursive);
        if (options.RemountFlags != 0)
        {
            RemountBind(target, options.RemountFlags);
        }
    }

    /// <summary>The MS_BIND call alone (recursive: MS_REC, "rbind").</summary>
    public static void BindOnly(string source, string target, bool recursive) =>
        Syscall(source, target, null, MS_BIND | (recursive ? (ulong)MS_REC : 0), null);

    /// <summary>Changes the propagation type (MS_SLAVE, MS_PRIVATE, … optionally | MS_REC) of a mount.</summary>
    public static void SetPropagation(string target, ulong propagation) =>
        Syscall(null, target, null, propagation, null);

    /// <summary>
    /// Makes every mount under <paramref name="target"/> a slave: mount events from the host still arrive, but
    /// nothing mounted or unmounted here propagates back. Done first thing in a new mount namespace, because
    /// the copy inherits the host's shared mounts.
    /// </summary>
    public static void MakeRecursiveSlave(string target) => SetPropagation(target, MS_SLAVE | MS_REC);

    /// <summary>A bind mount's per-mount flags (ro, nosuid, …): MS_REMOUNT | MS_BIND on the mount at <paramref name="target"/>.</summary>
    public static void RemountBind(string target, ulong flags) =>
        Syscall(null, target, null, MS_BIND | MS_REMOUNT | flags, null);

    /// <summary>Remounts an existing mount point read-only, keeping its other per-mount flags.</summary>
    public static void RemountReadonly(string target, ulong keepFlags = 0) =>
        Syscall(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | keepFlags, null);

    /// <summary>umount2(2); MNT_DETACH lazily detaches a mount that is still in use.</summary>
    public static void Unmount(string target, bool detach)
    {
        int rv;
        fixed (byte* t = NativeStrings.Utf8z(target))
        {
            rv = umount2(t, detach ? MNT_DETACH : 0);
        }

        if (rv < 0)
        {
            throw LinuxException.FromLastError("umount2", target);
        }
    }

    /// <summary>An overlay mount: the new mount API first, mount(2) where the kernel lacks it.</summary>
    public static void MountOverlay(string source, string target, MountOptions options)
    {
        if (!TryMountOverlayWithFsConfig(source, target, options))
        {
            MountOverlayWithMountSyscall(source, target, options);
        }
    }

    /// <summary>The mount(2) fallback: "lowerdir=" with the layers joined by ':', top first.</summary>
    internal static void MountOverlayWithMountSyscall(string source, string target, MountOptions options)
    {
        // The layer list of "lowerdir=" is ':'-separated and the whole option string ','-separated, so a
        // layer path may contain neither (short numeric snapshot ids keep paths plain, as containerd's do).
        List<string> lower = [];
        List<string> rest = [];
        foreach (string option in options.Data)
        {
            if (option.StartsWith("lowerdir+=", StringComparison.Ordinal))
            {
                lower.Add(option["lowerdir+=".Length..]);
            }
            else
            {
                rest.Add(option);
            }
        }

        foreach (string path in lower)
        {
            if (path.Contains(':') || path.Contains(','))
            {
                throw ContainerRuntimeException.InvalidArgument("OverlayLayerPathInvalid",
                    $"overlay layer {path}: a path with ':' or ',' cannot be passed to mount(2)", path);
            }
        }

        if (lower.Count > 0)
        {
            rest.Insert(0, "lowerdir=" + string.Join(':', lower));
        }

        void MountWithRest() =>
            Syscall(source, target, "overlay", options.Flags & ~(ulong)MS_REC, rest.Count == 0 ? null : string.Join(',', rest));
        try
        {
            MountWithRest();
        }
        catch (LinuxException e) when (e.Errno == Errno.EINVAL && rest.Remove(Snapshots.OverlaySnapshotter.VolatileOption))
        {
            // A kernel before 5.10: no "volatile". It only spares syncs, so mount without it.
            MountWithRest();
        }
    }

    internal static bool TryMountOverlayWithFsConfig(string source, string target, MountOptions options)
    {
        int fs;
        fixed (byte* name = "overlay\0"u8)
        {
            fs = Sys.fsopen(name, Sys.FSOPEN_CLOEXEC);
        }

        if (fs < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENOSYS ? false : throw new LinuxException(errno, "fsopen", "overlay");
        }

        using SafeFd fsFd = new(fs);
        if (!string.IsNullOrEmpty(source) && !FsConfig(fsFd, "source", source))
        {
            throw new LinuxException(Marshal.GetLastPInvokeError(), "fsconfig", "source=" + source, KernelLog(fsFd));
        }

        foreach (string option in options.Data)
        {
            int eq = option.IndexOf('=');
            string key = eq < 0 ? option : option[..eq];
            string? value = eq < 0 ? null : option[(eq + 1)..];
            if (!FsConfig(fsFd, key, value))
            {
                int errno = Marshal.GetLastPInvokeError();
                string log = KernelLog(fsFd); // reading drains it: once
                if (key == "lowerdir+" && errno == Errno.EINVAL && log.Contains("Unknown parameter", StringComparison.Ordinal))
                {
                    return false; // a kernel before 6.8: no "lowerdir+", use mount(2)
                }

                throw new LinuxException(errno, "fsconfig", option, log);
            }
        }

        if (Sys.fsconfig(fsFd.Fd, Sys.FSCONFIG_CMD_CREATE, null, null, 0) < 0)
        {
            throw new LinuxException(Marshal.GetLastPInvokeError(), "fsconfig create overlay", target, KernelLog(fsFd));
        }

        int mnt = Sys.fsmount(fsFd.Fd, Sys.FSMOUNT_CLOEXEC, options.MountAttributes);
        if (mnt < 0)
        {
            throw new LinuxException(Marshal.GetLastPInvokeError(), "fsmount overlay", target, KernelLog(fsFd));
        }

        using SafeFd mntFd = new(mnt);
        MoveDetached(mntFd, target);
        return true;
    }

    /// <summary>Attaches a detached mount (from fsmount or open_tree) at <paramref name="target"/>.</summary>
    public static void MoveDetached(SafeFd mount, string target)
    {
        int rv;
        fixed (byte* empty = ""u8)
        fixed (byte* t = NativeStrings.Utf8z(target))
        {
            rv = Sys.move_mount(mount.Fd, empty, AT_FDCWD, t, Sys.MOVE_MOUNT_F_EMPTY_PATH);
        }

        if (rv < 0)
        {
            throw LinuxException.FromLastError("move_mount", target);
        }
    }

    private static bool FsConfig(SafeFd fs, string key, string? value)
    {
        fixed (byte* k = NativeStrings.Utf8z(key))
        fixed (byte* v = NativeStrings.Utf8zOrNull(value))
        {
            uint cmd = value is null ? Sys.FSCONFIG_SET_FLAG : Sys.FSCONFIG_SET_STRING;
            return Sys.fsconfig(fs.Fd, cmd, k, v, 0) == 0;
        }
    }

    /// <summary>
    /// The messages the filesystem logged on its configuration context ("e overlay: …"): the kernel's own
    /// explanation of an EINVAL, far more useful than the errno. Reading drains them; best effort.
    /// </summary>
    private static string KernelLog(SafeFd fs)
    {
        StringBuilder log = new();
        byte* buffer = stackalloc byte[1024];
        for (int i = 0; i < 8; i++)
        {
            long n = read(fs.Fd, buffer, 1024);
            if (n <= 0)
            {
                break;
            }

            if (log.Length > 0)
            {
                log.Append("; ");
            }

            log.Append(Encoding.UTF8.GetString(buffer, (int)n).TrimEnd('\n'));
        }

        return log.ToString();
    }

    private static void Syscall(string? source, string target, string? type, ulong flags, string? data)
    {
        int rv;
        fixed (byte* s = NativeStrings.Utf8zOrNull(source))
        fixed (byte* t = NativeStrings.Utf8z(target))
        fixed (byte* f = NativeStrings.Utf8zOrNull(type))
        fixed (byte* d = NativeStrings.Utf8zOrNull(data))
        {
            rv = mount(s, t, f, (Tmds.Linux.ulong_t)flags, d);
        }

        if (rv < 0)
        {
            throw LinuxException.FromLastError("mount", target);
        }
    }
}
