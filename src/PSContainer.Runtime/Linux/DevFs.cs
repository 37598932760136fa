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
