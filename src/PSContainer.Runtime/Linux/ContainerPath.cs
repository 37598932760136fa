using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Resolves and creates paths inside a container's root filesystem without ever leaving it, however the
/// image's symlinks point (an image can ship <c>/proc -> /etc</c> or <c>/dev -> ../../..</c>). Every lookup
/// is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to an O_PATH descriptor of the root, so ".."
/// and absolute symlinks stop at that root, as securejoin does for runc. The result is an O_PATH descriptor;
/// mount(2) is then pointed at its /proc/self/fd path, so no path is looked up twice (no check-then-use race).
/// </summary>
public static unsafe class ContainerPath
{
    /// <summary>Opens <paramref name="path"/> (absolute inside the container) as an O_PATH descriptor.</summary>
    public static SafeFd Open(SafeFd root, string path, bool directory = false)
    {
        SafeFd? fd = TryOpen(root, Relative(path), directory, out int errno);
        return fd ?? throw new LinuxException(errno, "openat2", path);
    }

    /// <summary>
    /// Opens the mount point <paramref name="path"/>, first creating what is missing: directories along the
    /// way and, at the end, a directory or (for a bind mount of a file) an empty file. runc creates mount
    /// points the same way (createIfNotExists).
    /// </summary>
    public static SafeFd OpenMountPoint(SafeFd root, string path, bool directory)
    {
        string[] parts = Relative(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        SafeFd current = Open(root, "/", directory: true);
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            bool wantDirectory = !last || directory;
            string prefix = string.Join('/', parts, 0, i + 1);
            SafeFd? next = TryOpen(root, prefix, wantDirectory, out int errno);
            if (next is null && errno == Errno.ENOENT)
            {
                Create(current, parts[i], wantDirectory, "/" + prefix);
                next = TryOpen(root, prefix, wantDirectory, out errno);
            }

            if (next is null)
            {
                current.Dispose();
                throw new LinuxException(errno, "openat2", "/" + prefix);
            }

            current.Dispose();
            current = next;
        }

        return current;
    }

    /// <summary>Creates <paramref name="path"/> and its missing parents as directories.</summary>
    public static void CreateDirectories(SafeFd root, string path) =>
        OpenMountPoint(root, path, directory: true).Dispose();

    private static void Create(SafeFd parent, string name, bool directory, string displayPath)
    {
        fixed (byte* n = NativeStrings.Utf8z(name))
        {
            int rv = directory
                ? mkdirat(parent.Fd, n, 0x1ed) // 0755
                : openat(parent.Fd, n, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0x1a4); // 0644
            if (rv < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EEXIST)
                {
                    throw new LinuxException(errno, directory ? "mkdirat" : "openat", displayPath);
                }
            }
            else if (!directory)
            {
                close(rv);
            }
        }
    }

    private static SafeFd? TryOpen(SafeFd root, string relative, bool directory, out int errno)
    {
        open_how how = new()
        {
            flags = (ulong)(O_PATH | O_CLOEXEC | (directory ? O_DIRECTORY : 0)),
            resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };

        int fd;
        fixed (byte* p = NativeStrings.Utf8z(relative.Length == 0 ? "." : relative))
        {
            fd = openat2(root.Fd, p, &how, (size_t)sizeof(open_how));
        }

        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new SafeFd(fd);
    }

    private static string Relative(string path) => path.TrimStart('/');
}
