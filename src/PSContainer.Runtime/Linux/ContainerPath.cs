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
    /// <summary>How many symlinks one path may pass through, as the kernel allows (ELOOP beyond).</summary>
    private const int MaxSymlinks = 40;

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
        // A dangling symlink on the way (the image's /dev -> /somewhere/missing) is followed, within the root,
        // and what it points to is created: the walk restarts on the substituted path, as securejoin's
        // MkdirAll does. Bounded like the kernel's own symlink following.
        string current = Relative(path);
        for (int links = 0; links <= MaxSymlinks; links++)
        {
            string? substituted = TryCreateAndOpen(root, current, directory, out SafeFd? fd);
            if (fd is not null)
            {
                return fd;
            }

            current = substituted!;
        }

        throw new LinuxException(Errno.ELOOP, "openat2", path);
    }

    /// <summary>
    /// Walks <paramref name="path"/> creating missing components. Returns null with the descriptor, or the
    /// path to walk instead when a component turned out to be a dangling symlink.
    /// </summary>
    private static string? TryCreateAndOpen(SafeFd root, string path, bool directory, out SafeFd? result)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        SafeFd current = Open(root, "/", directory: true);
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            bool wantDirectory = !last || directory;
            string prefix = string.Join('/', parts, 0, i + 1);
            SafeFd? next = TryOpen(root, prefix, wantDirectory, out int errno);
            if (next is null && errno == Errno.ENOENT)
            {
                if (!Create(current, parts[i], wantDirectory, "/" + prefix))
                {
                    // It exists, yet resolving it fails: a symlink to something missing.
                    string? target = ReadLink(current, parts[i]);
                    if (target is not null)
                    {
                        current.Dispose();
                        string parent = string.Join('/', parts, 0, i);
                        string rest = string.Join('/', parts, i + 1, parts.Length - i - 1);
                        result = null;
                        return Relative((target.StartsWith('/') ? target : parent + "/" + target) + "/" + rest);
                    }
                }

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

        result = current;
        return null;
    }

    /// <summary>Creates <paramref name="path"/> and its missing parents as directories.</summary>
    public static void CreateDirectories(SafeFd root, string path) =>
        OpenMountPoint(root, path, directory: true).Dispose();

    /// <summary>Creates a directory or empty file; false if something of that name already exists.</summary>
    private static bool Create(SafeFd parent, string name, bool directory, string displayPath)
    {
        fixed (byte* n = NativeStrings.Utf8z(name))
        {
            int rv = directory
                ? mkdirat(parent.Fd, n, 0x1ed) // 0755
                : openat(parent.Fd, n, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0x1a4); // 0644
            if (rv < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == Errno.EEXIST ? false : throw new LinuxException(errno, directory ? "mkdirat" : "openat", displayPath);
            }

            if (!directory)
            {
                close(rv);
            }

            return true;
        }
    }

    /// <summary>readlinkat(2) of <paramref name="name"/> in <paramref name="parent"/>, or null if it is not a symlink.</summary>
    private static string? ReadLink(SafeFd parent, string name)
    {
        byte* buffer = stackalloc byte[4096];
        fixed (byte* n = NativeStrings.Utf8z(name))
        {
            long length = readlinkat(parent.Fd, n, buffer, 4096);
            return length < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, (int)length);
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
