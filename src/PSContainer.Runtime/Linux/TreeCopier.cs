using System.Buffers;
using Tmds.Linux;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Copies a directory tree exactly — types, owners, modes (setuid included), mtimes, xattrs, device numbers, symlinks
/// as links and hardlinks as hardlinks — through descriptors only (the copy driver's "full copy of the parent").
/// File data goes through copy_file_range, which shares extents on filesystems that can (XFS, btrfs) and stays in the
/// kernel elsewhere.
/// </summary>
public sealed unsafe class TreeCopier
{
    private readonly Dictionary<(ulong Dev, ulong Ino), byte[]> _linked = [];
    private readonly DirectoryFd _destinationRoot;
    private readonly bool _shareFiles;

    private TreeCopier(DirectoryFd destinationRoot, bool shareFiles)
    {
        _destinationRoot = destinationRoot;
        _shareFiles = shareFiles;
    }

    /// <summary>
    /// Copies the content of <paramref name="source"/> into the existing, empty directory <paramref name="destination"/>.
    /// With <paramref name="shareFiles"/>, regular files are hardlinked to the source's instead of copied (directories,
    /// links and devices are still made anew): only for a source that nothing will ever change in place — an immutable
    /// snapshot — and a destination whose files are only ever replaced, never written to, as the layer unpacker does.
    /// </summary>
    public static void Copy(string source, string destination, bool shareFiles = false)
    {
        using var src = OpenReadable(source);
        using var dst = DirectoryFd.Open(destination);
        new TreeCopier(dst, shareFiles).CopyContents(src, dst, []);
    }

    /// <summary>
    /// <see cref="Copy"/>, and the destination directory itself takes the source's owner and mode (docker's copy-up
    /// of image content into a new volume does the same).
    /// </summary>
    public static void CopyWithOwnership(string source, string destination)
    {
        Copy(source, destination);
        stat st;
        byte[] s = DirectoryFd.Z(source);
        byte[] d = DirectoryFd.Z(destination);
        fixed (byte* sp = s)
        fixed (byte* dp = d)
        {
            if (Sys.stat(sp, &st) < 0)
            {
                throw LinuxException.FromLastError("stat", source);
            }

            if (Sys.chown(dp, st.st_uid, st.st_gid) < 0 || Sys.chmod(dp, (ushort)((ushort)st.st_mode & 0xFFF)) < 0)
            {
                throw LinuxException.FromLastError("chown/chmod", destination);
            }
        }
    }

    private static DirectoryFd OpenReadable(string path)
    {
        byte[] z = DirectoryFd.Z(path);
        int fd;
        fixed (byte* p = z)
        {
            fd = Sys.open(p, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC);
        }
        return fd < 0 ? throw LinuxException.FromLastError("open", path) : DirectoryFd.Adopt(fd, path);
    }

    private void CopyContents(DirectoryFd src, DirectoryFd dst, byte[] relative)
    {
        foreach (var (nameMemory, _) in DirectoryTree.ReadEntries(src))
        {
            var name = nameMemory.Span;
            Check(src.TryStat(name, out stat st), "fstatat", src, name);
            uint mode = (ushort)st.st_mode;
            uint type = mode & 0xF000;
            byte[] childRelative = Join(relative, name);
            switch (type)
            {
                case 0x4000:
                    CopyDirectory(src, dst, name, st, childRelative);
                    break;
                case 0x8000:
                    CopyFile(src, dst, name, st, childRelative);
                    break;
                case 0xA000:
                    CopySymlink(src, dst, name, st);
                    break;
                default:
                    Check(dst.TryMakeNode(name, mode, st.st_rdev), "mknodat", dst, name);
                    CopyMetadata(src, dst, name, st, chmod: true);
                    break;
            }
        }
    }

    private void CopyDirectory(DirectoryFd src, DirectoryFd dst, ReadOnlySpan<byte> name, in stat st, byte[] relative)
    {
        Check(dst.TryMakeDirectory(name, 0b111_000_000), "mkdirat", dst, name);
        int fd = src.TryOpenChildRaw(name, Sys.O_RDONLY | Sys.O_DIRECTORY, out int errno);
        Check(fd < 0 ? errno : 0, "openat", src, name);
        using (var childSrc = DirectoryFd.Adopt(fd, src.DisplayPath + "/" + DirectoryFd.Show(name)))
        using (var childDst = dst.TryOpenChild(name, out errno) ?? throw new LinuxException(errno, "openat", dst.DisplayPath + "/" + DirectoryFd.Show(name)))
        {
            CopyContents(childSrc, childDst, relative);
        }
        CopyMetadata(src, dst, name, st, chmod: true); // after the content: creating children changes the mtime
    }

    private void CopyFile(DirectoryFd src, DirectoryFd dst, ReadOnlySpan<byte> name, in stat st, byte[] relative)
    {
        // EXDEV (another filesystem) and EMLINK (the inode's link count is at its limit) fall back to a real copy.
        if (_shareFiles && dst.TryLink(src, name, name) is int rc && rc is not (18 /* EXDEV */ or 31 /* EMLINK */))
        {
            Check(rc, "linkat", dst, name);
            return;
        }
        if ((ulong)st.st_nlink > 1)
        {
            var key = ((ulong)st.st_dev, (ulong)st.st_ino);
            if (_linked.TryGetValue(key, out var first))
            {
                Check(dst.TryLink(_destinationRoot, first, name), "linkat", dst, name);
                return;
            }
            _linked[key] = relative;
        }
        int input = src.TryOpenChildRaw(name, Sys.O_RDONLY, out int errno);
        Check(input < 0 ? errno : 0, "openat", src, name);
        try
        {
            int output = dst.TryCreateFile(name, 0b110_000_000);
            Check(output < 0 ? -output : 0, "openat", dst, name);
            try
            {
                CopyData(input, output, st.st_size, dst, name);
                CheckCall(Sys.fchown(output, st.st_uid, st.st_gid), "fchown", dst, name);
                foreach (var (key, value) in Xattrs.List(src, name))
                {
                    fixed (byte* k = key)
                    fixed (byte* v = value)
                    {
                        CheckCall(Native.fsetxattr(output, k, v, (nuint)value.Length, 0), "fsetxattr", dst, name);
                    }
                }
                CheckCall(Sys.fchmod(output, (ushort)((ushort)st.st_mode & 0xFFF)), "fchmod", dst, name);
                timespec* times = stackalloc timespec[2];
                times[0] = st.st_atim;
                times[1] = st.st_mtim;
                CheckCall(Sys.futimens(output, times), "futimens", dst, name);
            }
            finally
            {
                Sys.close(output);
            }
        }
        finally
        {
            Sys.close(input);
        }
    }

    private static void CopyData(int input, int output, long size, DirectoryFd dst, ReadOnlySpan<byte> name)
    {
        long remaining = size;
        while (remaining > 0)
        {
            nint n = Native.copy_file_range(input, null, output, null, (nuint)Math.Min(remaining, 1L << 30), 0);
            if (n > 0)
            {
                remaining -= n;
                continue;
            }
            if (n == 0)
            {
                return; // the source shrank
            }
            int errno = LinuxException.LastErrno;
            if (errno == Sys.EINTR)
            {
                continue;
            }
            if (errno is not (18 or 38 or 22 or 95)) // EXDEV, ENOSYS, EINVAL, EOPNOTSUPP: fall back to read/write
            {
                throw new LinuxException(errno, "copy_file_range", dst.DisplayPath + "/" + DirectoryFd.Show(name));
            }
            CopyWithBuffer(input, output, dst, name);
            return;
        }
    }

    private static void CopyWithBuffer(int input, int output, DirectoryFd dst, ReadOnlySpan<byte> name)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    long n = Sys.read(input, b, (size_t)buffer.Length);
                    if (n == 0)
                    {
                        return;
                    }
                    if (n < 0)
                    {
                        throw LinuxException.FromLastError("read", dst.DisplayPath + "/" + DirectoryFd.Show(name));
                    }
                    for (long written = 0; written < n;)
                    {
                        long w = Sys.write(output, b + written, (size_t)(uint)(n - written));
                        if (w < 0)
                        {
                            throw LinuxException.FromLastError("write", dst.DisplayPath + "/" + DirectoryFd.Show(name));
                        }
                        written += w;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CopySymlink(DirectoryFd src, DirectoryFd dst, ReadOnlySpan<byte> name, in stat st)
    {
        byte[] target = new byte[(long)st.st_size + 2];
        long n;
        fixed (byte* p = name)
        fixed (byte* t = target)
        {
            n = Sys.readlinkat(src.Fd, p, t, (size_t)(target.Length - 1));
        }
        if (n < 0)
        {
            throw LinuxException.FromLastError("readlinkat", src.DisplayPath + "/" + DirectoryFd.Show(name));
        }
        target[n] = 0;
        Check(dst.TrySymlink(target.AsSpan(0, (int)n + 1), name), "symlinkat", dst, name);
        CopyMetadata(src, dst, name, st, chmod: false);
    }

    private static void CopyMetadata(DirectoryFd src, DirectoryFd dst, ReadOnlySpan<byte> name, in stat st, bool chmod)
    {
        Check(dst.TryChown(name, st.st_uid, st.st_gid), "fchownat", dst, name);
        foreach (var (key, value) in Xattrs.List(src, name))
        {
            int rc = dst.TrySetXattr(name, key, value);
            if (rc != 0 && rc != Sys.EPERM)
            {
                Check(rc, "lsetxattr", dst, name);
            }
        }
        if (chmod)
        {
            Check(dst.TryChmod(name, (uint)((ushort)st.st_mode & 0xFFF)), "fchmodat", dst, name);
        }
        Check(dst.TrySetTimes(name, st.st_mtim.tv_sec, st.st_mtim.tv_nsec), "utimensat", dst, name);
    }

    private static byte[] Join(byte[] relative, ReadOnlySpan<byte> name)
    {
        // relative is NUL-terminated (or empty for the root); the result is too.
        int baseLength = relative.Length == 0 ? 0 : relative.Length - 1;
        byte[] result = new byte[baseLength + (baseLength > 0 ? 1 : 0) + name.Length];
        relative.AsSpan(0, baseLength).CopyTo(result);
        int at = baseLength;
        if (baseLength > 0)
        {
            result[at++] = (byte)'/';
        }
        name.CopyTo(result.AsSpan(at));
        return result;
    }

    private static void Check(int errno, string call, DirectoryFd dir, ReadOnlySpan<byte> name)
    {
        if (errno != 0)
        {
            throw new LinuxException(errno, call, dir.DisplayPath + "/" + DirectoryFd.Show(name));
        }
    }

    private static void CheckCall(int rc, string call, DirectoryFd dir, ReadOnlySpan<byte> name)
    {
        if (rc != 0)
        {
            throw LinuxException.FromLastError(call, dir.DisplayPath + "/" + DirectoryFd.Show(name));
        }
    }
}
