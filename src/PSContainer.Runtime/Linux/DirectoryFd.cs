using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// An <c>O_PATH|O_DIRECTORY</c> descriptor of a directory, and the *at() operations relative to it (runc does
/// rootfs work the same way). Every name passed to an operation is a single path component or a relative path,
/// as raw bytes <b>terminated by a NUL byte</b> (so the hot paths need no copy or allocation); <see cref="Z(string)"/>
/// makes one from a string. Operations named <c>Try…</c> return 0 or an errno, so callers can react to
/// EEXIST or ENOENT without exceptions; the others throw <see cref="LinuxException"/>.
/// </summary>
public sealed unsafe class DirectoryFd : SafeHandle
{
    private DirectoryFd(int fd, string displayPath)
        : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
        DisplayPath = displayPath;
    }

    /// <summary>Takes ownership of a raw directory descriptor (O_PATH or readable).</summary>
    internal static DirectoryFd Adopt(int fd, string displayPath) => new(fd, displayPath);

    /// <summary>The path this descriptor was opened as, for messages only (never used to reach the directory).</summary>
    public string DisplayPath { get; }

    public int Fd => (int)handle;

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/>.</summary>
    public static byte[] Z(string value)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>Opens a trusted absolute directory path (symlinks in it are followed, as for any path the engine owns).</summary>
    public static DirectoryFd Open(string path)
    {
        byte[] z = Z(path);
        int fd;
        fixed (byte* p = z)
        {
            fd = Sys.open(p, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_CLOEXEC);
        }
        if (fd < 0)
        {
            throw LinuxException.FromLastError("open", path);
        }
        return new DirectoryFd(fd, path);
    }

    /// <summary>
    /// Opens the directory at <paramref name="relativePath"/> resolved with <c>openat2(RESOLVE_IN_ROOT |
    /// RESOLVE_NO_MAGICLINKS)</c>: symlinks (absolute ones and <c>..</c> included) are resolved as if this directory
    /// were <c>/</c>, so the result is always inside it. Returns null and the errno on failure.
    /// </summary>
    public DirectoryFd? TryOpenInRoot(ReadOnlySpan<byte> relativePath, out int errno)
    {
        int fd = TryOpenInRootRaw(relativePath, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_CLOEXEC, out errno);
        return fd < 0 ? null : new DirectoryFd(fd, DisplayPath + "/" + Show(relativePath));
    }

    /// <summary>
    /// openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and the given open flags; returns a raw descriptor
    /// (the caller closes it) or -1 with the errno.
    /// </summary>
    public int TryOpenInRootRaw(ReadOnlySpan<byte> relativePath, int flags, out int errno)
    {
        CheckZ(relativePath);
        open_how how = default;
        how.flags = (ulong)(uint)flags;
        how.resolve = Sys.RESOLVE_IN_ROOT | Sys.RESOLVE_NO_MAGICLINKS;
        if (relativePath.Length == 1)
        {
            relativePath = ".\0"u8; // an empty path means this directory itself
        }
        int fd;
        fixed (byte* p = relativePath)
        {
            fd = Sys.openat2(Fd, p, &how, (size_t)sizeof(open_how));
        }
        errno = fd < 0 ? LinuxException.LastErrno : 0;
        return fd;
    }

    /// <summary>Opens a child directory by name without following a symlink (O_NOFOLLOW), as O_PATH.</summary>
    public DirectoryFd? TryOpenChild(ReadOnlySpan<byte> name, out int errno)
    {
        CheckZ(name);
        int fd;
        fixed (byte* p = name)
        {
            fd = Sys.openat(Fd, p, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_NOFOLLOW | Sys.O_CLOEXEC);
        }
        errno = fd < 0 ? LinuxException.LastErrno : 0;
        return fd < 0 ? null : new DirectoryFd(fd, DisplayPath + "/" + Show(name));
    }

    /// <summary>Opens a child for reading (files or directories) without following a symlink; returns a raw fd or -1.</summary>
    public int TryOpenChildRaw(ReadOnlySpan<byte> name, int flags, out int errno)
    {
        CheckZ(name);
        int fd;
        fixed (byte* p = name)
        {
            fd = Sys.openat(Fd, p, flags | Sys.O_NOFOLLOW | Sys.O_CLOEXEC);
        }
        errno = fd < 0 ? LinuxException.LastErrno : 0;
        return fd;
    }

    /// <summary>Creates a new regular file (O_CREAT|O_EXCL|O_NOFOLLOW, write-only); returns its fd or -errno.</summary>
    public int TryCreateFile(ReadOnlySpan<byte> name, ushort mode)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            int fd = Sys.openat(Fd, p, Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, mode);
            return fd >= 0 ? fd : -LinuxException.LastErrno;
        }
    }

    public int TryMakeDirectory(ReadOnlySpan<byte> name, ushort mode)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            return Sys.mkdirat(Fd, p, mode) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    public int TrySymlink(ReadOnlySpan<byte> target, ReadOnlySpan<byte> name)
    {
        CheckZ(target);
        CheckZ(name);
        fixed (byte* t = target)
        fixed (byte* p = name)
        {
            return Sys.symlinkat(t, Fd, p) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>linkat without AT_SYMLINK_FOLLOW: a hardlink to a symlink links the symlink itself.</summary>
    public int TryLink(DirectoryFd targetDirectory, ReadOnlySpan<byte> targetName, ReadOnlySpan<byte> name)
    {
        CheckZ(targetName);
        CheckZ(name);
        fixed (byte* t = targetName)
        fixed (byte* p = name)
        {
            return Sys.linkat(targetDirectory.Fd, t, Fd, p, 0) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    public int TryMakeNode(ReadOnlySpan<byte> name, uint mode, ulong device)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            return Sys.mknodat(Fd, p, (ushort)mode, device) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>unlinkat; with <paramref name="directory"/> it removes an empty directory (AT_REMOVEDIR).</summary>
    public int TryUnlink(ReadOnlySpan<byte> name, bool directory)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            return Sys.unlinkat(Fd, p, directory ? Sys.AT_REMOVEDIR : 0) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>fstatat with AT_SYMLINK_NOFOLLOW (an empty name, i.e. just the NUL byte, stats this directory).</summary>
    public int TryStat(ReadOnlySpan<byte> name, out stat st)
    {
        CheckZ(name);
        fixed (byte* p = name)
        fixed (stat* s = &st)
        {
            int flags = Sys.AT_SYMLINK_NOFOLLOW | (name.Length == 1 ? Sys.AT_EMPTY_PATH : 0);
            return Sys.fstatat(Fd, p, s, flags) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    public int TryChown(ReadOnlySpan<byte> name, uint uid, uint gid)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            return Sys.fchownat(Fd, p, uid, gid, Sys.AT_SYMLINK_NOFOLLOW) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>fchmodat; the caller guarantees the name is not a symlink (Linux cannot chmod a symlink).</summary>
    public int TryChmod(ReadOnlySpan<byte> name, uint mode)
    {
        CheckZ(name);
        fixed (byte* p = name)
        {
            return Sys.fchmodat(Fd, p, (ushort)mode, 0) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>utimensat with AT_SYMLINK_NOFOLLOW: atime and mtime as seconds + nanoseconds.</summary>
    public int TrySetTimes(ReadOnlySpan<byte> name, long seconds, long nanoseconds)
    {
        CheckZ(name);
        timespec* times = stackalloc timespec[2];
        times[0].tv_sec = seconds;
        times[0].tv_nsec = (long_t)nanoseconds;
        times[1] = times[0];
        fixed (byte* p = name)
        {
            return Sys.utimensat(Fd, p, times, Sys.AT_SYMLINK_NOFOLLOW) == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>
    /// Sets an extended attribute on a child (or on this directory when <paramref name="name"/> is empty) through
    /// <c>/proc/self/fd/&lt;fd&gt;/name</c> with lsetxattr, so the child itself is changed even when it is a
    /// symlink or a device (which cannot be opened for fsetxattr). The descriptor part is a magic link to this
    /// directory, which is why the path form is safe: no component but the final name is looked up.
    /// </summary>
    public int TrySetXattr(ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        CheckZ(name);
        CheckZ(key);
        Span<byte> path = stackalloc byte[64 + name.Length];
        int length = ProcPath(name, path);
        fixed (byte* p = path[..length])
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            int rc = name.Length == 1
                ? Native.setxattr(p, k, v, (nuint)value.Length, 0) // follow the magic link to this directory
                : Native.lsetxattr(p, k, v, (nuint)value.Length, 0);
            return rc == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>flushes the whole filesystem this directory is on (syncfs), e.g. before a commit rename.</summary>
    public void SyncFileSystem()
    {
        // syncfs needs a real (not O_PATH) descriptor.
        int fd = TryOpenChildRaw(".\0"u8, Sys.O_RDONLY | Sys.O_DIRECTORY, out int errno);
        if (fd < 0)
        {
            throw new LinuxException(errno, "open", DisplayPath);
        }
        try
        {
            if (Native.syncfs(fd) != 0)
            {
                throw LinuxException.FromLastError("syncfs", DisplayPath);
            }
        }
        finally
        {
            Sys.close(fd);
        }
    }

    /// <summary>renameat2 of a child to a new name in another (or the same) directory.</summary>
    public int TryRename(ReadOnlySpan<byte> name, DirectoryFd newDirectory, ReadOnlySpan<byte> newName, bool noReplace)
    {
        CheckZ(name);
        CheckZ(newName);
        fixed (byte* a = name)
        fixed (byte* b = newName)
        {
            int rc = Native.renameat2(Fd, a, newDirectory.Fd, b, noReplace ? Native.RENAME_NOREPLACE : 0);
            return rc == 0 ? 0 : LinuxException.LastErrno;
        }
    }

    /// <summary>Writes <c>/proc/self/fd/N[/name]\0</c> into <paramref name="destination"/>; returns its length with the NUL.</summary>
    public int ProcPath(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        int length = Encoding.ASCII.GetBytes("/proc/self/fd/", destination);
        Fd.TryFormat(destination[length..], out int written);
        length += written;
        if (name.Length > 1)
        {
            destination[length++] = (byte)'/';
            name.CopyTo(destination[length..]); // includes the NUL
            return length + name.Length;
        }
        destination[length++] = 0;
        return length;
    }

    /// <summary>A printable form of a NUL-terminated name (invalid UTF-8 shown as U+FFFD), for messages.</summary>
    public static string Show(ReadOnlySpan<byte> z) => Encoding.UTF8.GetString(z.Length > 0 && z[^1] == 0 ? z[..^1] : z);

    protected override bool ReleaseHandle() => Sys.close((int)handle) == 0;

    private static void CheckZ(ReadOnlySpan<byte> z)
    {
        if (z.IsEmpty || z[^1] != 0)
        {
            throw new ArgumentException("name must be NUL-terminated", nameof(z));
        }
    }
}
