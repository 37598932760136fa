using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Switching the calling process's root to a prepared root filesystem (runc's rootfs_linux.go).</summary>
public static unsafe class RootFs
{
    /// <summary>
    /// pivot_root(2) into <paramref name="rootfs"/> and detach the old root, in runc's pivotRoot order.
    /// <paramref name="rootfs"/> must be a mount point whose parent mount is not shared.
    /// </summary>
    public static void Pivot(string rootfs)
    {
        // pivot_root(".", ".") stacks the old root on top of the new one at the same place, so no
        // put_old directory has to exist in the image: afterwards "/" is the new root and "." (our cwd)
        // is the old one, which we then detach. O_PATH descriptors are enough for fchdir.
        using SafeFd oldRoot = SafeFd.Open("/", O_DIRECTORY | O_PATH);
        using SafeFd newRoot = SafeFd.Open(rootfs, O_DIRECTORY | O_PATH);

        // Change to the new root so that pivot_root acts on it.
        Check(fchdir(newRoot.Fd), "fchdir", rootfs);
        fixed (byte* dot = ".\0"u8)
        {
            Check(Sys.pivot_root(dot, dot), "pivot_root", rootfs);

            // The kernel leaves our cwd on the old root today, but does not promise it: go there explicitly.
            Check(fchdir(oldRoot.Fd), "fchdir", "old root");

            // Make the old root rslave so that the unmount below cannot propagate to the host's mounts,
            // even if something in it was shared (rprivate would race with host-side users of those mounts).
            Check(mount(null, dot, null, MS_SLAVE | MS_REC, null), "mount rslave", "old root");

            // MNT_DETACH because the old root is still our cwd; it goes away when the last user leaves.
            Check(umount2(dot, MNT_DETACH), "umount2", "old root");
        }

        // Back to the new root, which is now "/".
        fixed (byte* slash = "/\0"u8)
        {
            Check(chdir(slash), "chdir", "/");
        }
    }

    /// <summary>Makes the (already pivoted) root read-only: root.readonly in the runtime-spec.</summary>
    public static void MakeReadonly() => Mounter.RemountReadonly("/");

    /// <summary>
    /// Changes to the process's working directory, creating it if missing (as runc does), and verifies that it
    /// is inside the container's root. getcwd(2) reports a cwd outside the root of the mount namespace as
    /// "(unreachable)/…", and glibc's getcwd turns that into ENOENT: a leaked host directory descriptor used as
    /// cwd (CVE-2024-21626) is caught here rather than handed to the payload.
    /// </summary>
    public static void EnterWorkingDirectory(string cwd)
    {
        if (!cwd.StartsWith('/'))
        {
            throw new LinuxException(Errno.EINVAL, "chdir", cwd, "process.cwd must be absolute");
        }

        fixed (byte* p = NativeStrings.Utf8z(cwd))
        {
            Check(chdir(p), "chdir", cwd);
        }

        byte* buffer = stackalloc byte[4096];
        if (getcwd(buffer, 4096) == null)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new LinuxException(errno, "getcwd", cwd, errno == Errno.ENOENT
                ? "current working directory is outside of container mount namespace root -- possible container breakout detected"
                : null);
        }

        if (buffer[0] != (byte)'/')
        {
            throw new LinuxException(Errno.EINVAL, "getcwd", cwd,
                "current working directory is not absolute -- possible container breakout detected");
        }
    }

    private static void Check(int rv, string syscall, string path)
    {
        if (rv < 0)
        {
            throw LinuxException.FromLastError(syscall, path);
        }
    }
}
