using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Populates a container's fresh /dev tmpfs with the default device nodes and the standard symlinks of
/// runc's libcontainer/SPEC.md ("Filesystem").
/// </summary>
public static unsafe class DevFs
{
    /// <summary>The character devices every container gets, mode 0666, owned by root.</summary>
    public static IReadOnlyList<(string Name, uint Major, uint Minor)> DefaultDevices { get; } =
    [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("random", 1, 8),
        ("urandom", 1, 9),
        ("tty", 5, 0),
    ];

    /// <summary>The symlinks into /proc and /dev/pts (valid once /proc and /dev/pts are mounted).</summary>
    public static IReadOnlyList<(string Name, string Target)> DefaultSymlinks { get; } =
    [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ];

    /// <summary>Creates the default nodes and symlinks in the container's /dev (found under <paramref name="root"/>).</summary>
    public static void Populate(SafeFd root)
    {
        using SafeFd dev = ContainerPath.Open(root, "/dev", directory: true);
        foreach ((string name, uint major, uint minor) in DefaultDevices)
        {
            MakeCharDevice(dev, name, major, minor);
        }

        foreach ((string name, string target) in DefaultSymlinks)
        {
            fixed (byte* t = NativeStrings.Utf8z(target))
            fixed (byte* n = NativeStrings.Utf8z(name))
            {
                if (symlinkat(t, dev.Fd, n) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
                {
                    throw LinuxException.FromLastError("symlinkat", "/dev/" + name);
                }
            }
        }
    }

    /// <summary>
    /// A linux.devices entry: the node at its path inside the container (directories on the way created), with its
    /// mode and owner. An existing node there (a default device) is replaced.
    /// </summary>
    public static void Create(SafeFd root, Spec.DeviceSpec device)
    {
        uint type = device.Type switch
        {
            "c" or "u" => (uint)(ushort)S_IFCHR,
            "b" => (uint)(ushort)S_IFBLK,
            "p" => (uint)(ushort)S_IFIFO,
            _ => throw new LinuxException(Errno.EINVAL, "mknod", device.Path, $"device type \"{device.Type}\""),
        };

        string parent = Path.GetDirectoryName(device.Path) ?? "/";
        string name = Path.GetFileName(device.Path);
        ContainerPath.CreateDirectories(root, parent);
        using SafeFd directory = ContainerPath.Open(root, parent, directory: true);
        using SafeFd dir = SafeFd.Open(directory.ProcPath, O_RDONLY | O_DIRECTORY);
        uint mode = device.FileMode ?? 0x1b6;
        fixed (byte* n = NativeStrings.Utf8z(name))
        {
            unlinkat(dir.Fd, n, 0); // a default node of the same name; absent is fine
            if (Sys.mknodat(dir.Fd, n, type | (mode & 0xFFF), Sys.makedev((uint)device.Major, (uint)device.Minor)) < 0)
            {
                throw LinuxException.FromLastError("mknod", device.Path);
            }

            if (fchmodat(dir.Fd, n, (ushort)(mode & 0xFFF), 0) < 0 ||
                fchownat(dir.Fd, n, device.Uid ?? 0, device.Gid ?? 0, AT_SYMLINK_NOFOLLOW) < 0)
            {
                throw LinuxException.FromLastError("chmod/chown", device.Path);
            }
        }
    }

    private static void MakeCharDevice(SafeFd dev, string name, uint major, uint minor)
    {
        fixed (byte* n = NativeStrings.Utf8z(name))
        {
            // mknod's mode is filtered through the umask; the explicit chmod makes 0666 hold whatever it is.
            if (Sys.mknodat(dev.Fd, n, (uint)(ushort)S_IFCHR | 0x1b6, Sys.makedev(major, minor)) < 0 &&
                Marshal.GetLastPInvokeError() != Errno.EEXIST)
            {
                throw LinuxException.FromLastError("mknod", "/dev/" + name);
            }

            if (fchmodat(dev.Fd, n, 0x1b6, 0) < 0)
            {
                throw LinuxException.FromLastError("chmod", "/dev/" + name);
            }
        }
    }
}
