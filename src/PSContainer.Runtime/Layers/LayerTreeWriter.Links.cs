using PSContainer.Runtime.Linux;
using Tmds.Linux;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Layers;

/// <summary>Parent resolution (and creation) and hardlinks.</summary>
internal sealed partial class LayerTreeWriter
{
    private void CreateHardlink(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        // As containerd and podman: the target must be an earlier entry of this layer (layer.md allows extracting
        // a link into another layer to fail; in an overlay snapshot such a target does not even exist). Both
        // whiteout modes refuse it, so the copy driver accepts exactly the images overlay accepts. The target's
        // parent is resolved in-root and its last component is not followed: a hardlink to a symlink links the symlink.
        EnsureCapacity(ref _scratch, entry.Link.Length + 1);
        int length = LayerPath.Clean(entry.Link, _scratch);
        if (length <= 0)
        {
            throw LayerErrors.Invalid(LayerErrors.HardlinkEscape, _layer, entry.DisplayName,
                $"hardlink target \"{System.Text.Encoding.UTF8.GetString(entry.Link)}\" is outside the layer directory");
        }
        _scratch[length] = 0;
        var targetPath = _scratch.AsSpan(0, length + 1);
        int slash = targetPath.LastIndexOf((byte)'/');
        var targetName = targetPath[(slash + 1)..];
        string targetKey = Key(targetPath[..^1]);
        bool inThisLayer = _unpacked?.Contains(targetKey) ?? !_whiteouts!.Contains(targetKey);
        var targetParent = inThisLayer ? ResolveParentNoCreate(_scratch.AsSpan(0, length + 1), slash) : null;
        try
        {
            int rc = targetParent is null ? Sys.ENOENT : parent.TryLink(targetParent, targetName, name);
            if (rc == Sys.EEXIST)
            {
                if (IsSameFile(parent, name, targetParent!, targetName))
                {
                    rc = 0; // a duplicate hardlink entry: already done
                }
                else
                {
                    Replace(parent, name);
                    rc = parent.TryLink(targetParent!, targetName, name);
                }
            }
            if (rc is not 0)
            {
                string why = rc == Sys.ENOENT ? "is not an earlier entry of this layer" : rc == Sys.EPERM ? "is a directory" : Marshal(rc);
                throw LayerErrors.Invalid(LayerErrors.HardlinkEscape, _layer, entry.DisplayName,
                    $"hardlink target \"{System.Text.Encoding.UTF8.GetString(entry.Link)}\" {why}");
            }
        }
        finally
        {
            if (targetParent is not null && targetParent != _root)
            {
                targetParent.Dispose();
            }
        }
        // As containerd, the link entry's metadata is applied to the (shared) inode.
        bool isSymlink = parent.TryStat(name, out stat st) == 0 && Sys.S_ISLNK(st.st_mode);
        ApplyMetadata(entry, parent, name, isSymlink);
    }

    private static bool IsSameFile(DirectoryFd a, ReadOnlySpan<byte> aName, DirectoryFd b, ReadOnlySpan<byte> bName) =>
        a.TryStat(aName, out stat sa) == 0 && b.TryStat(bName, out stat sb) == 0
        && (ulong)sa.st_ino == (ulong)sb.st_ino && (ulong)sa.st_dev == (ulong)sb.st_dev;

    private static string Marshal(int errno) => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>
    /// The parent directory of an entry, as a descriptor (the root's own for top-level names). Cached for the next
    /// entry with the same parent; the cache is dropped whenever anything is removed. With <paramref name="create"/>,
    /// missing directories are created (0755 root, or the metadata of the same directory in a lower layer);
    /// without, a missing parent gives null.
    /// </summary>
    private DirectoryFd? ResolveParent(ReadOnlySpan<byte> parentPath, int slash, TarEntry entry, bool create, bool forWhiteout = false)
    {
        if (parentPath.IsEmpty)
        {
            return _root;
        }
        if (_parentCache is not null && _parentKey.Length > 0 && parentPath.SequenceEqual(_parentKey))
        {
            return _parentCache;
        }
        // parentPath is a prefix of _path: the byte at `slash` becomes its NUL terminator for the syscall.
        _path[slash] = 0;
        try
        {
            var zParent = _path.AsSpan(0, slash + 1);
            var fd = _root.TryOpenInRoot(zParent, out int errno);
            if (fd is null && errno == Sys.ENOTDIR && forWhiteout)
            {
                // A whiteout below a path that is not a directory here (this layer put a file, link or whiteout
                // there, as umoci writes "d" then "d/.wh.x" when a directory became a file): nothing below it shows
                // through, so there is nothing to hide. Nothing is created.
                return null;
            }
            // ENOTDIR may mean a whiteout device of this layer on the way, which a directory then replaces.
            if (fd is null && create && (errno == Sys.ENOENT || (errno == Sys.ENOTDIR && _whiteouts is { Count: > 0 })))
            {
                fd = CreateParents(zParent, entry);
            }
            else if (fd is null && errno == Sys.ENOENT)
            {
                return null;
            }
            else if (fd is null)
            {
                throw (errno == Sys.ENOTDIR || errno == Sys.ELOOP)
                    ? LayerErrors.Invalid(LayerErrors.SymlinkEscape, _layer, entry.DisplayName, "parent path is not a directory")
                    : new LinuxException(errno, "openat2", _root.DisplayPath + "/" + DirectoryFd.Show(zParent));
            }
            DropCache();
            _parentCache = fd;
            _parentKey = parentPath.ToArray();
            PreserveTimes(fd, parentPath);
            return fd;
        }
        finally
        {
            _path[slash] = (byte)'/';
        }
    }

    /// <summary>
    /// Resolves the parent of a path held in <paramref name="path"/> (its separator at <paramref name="slash"/>,
    /// temporarily replaced by a NUL) without caching or creating anything; null when it cannot be opened.
    /// </summary>
    private DirectoryFd? ResolveParentNoCreate(Span<byte> path, int slash)
    {
        if (slash < 0)
        {
            return _root;
        }
        byte saved = path[slash];
        path[slash] = 0;
        var fd = _root.TryOpenInRoot(path[..(slash + 1)], out _);
        path[slash] = saved;
        return fd;
    }

    /// <summary>Creates each missing directory of <paramref name="zParent"/>, resolving every prefix in-root.</summary>
    private DirectoryFd CreateParents(ReadOnlySpan<byte> zParent, TarEntry entry)
    {
        var prefix = new byte[zParent.Length];
        zParent.CopyTo(prefix);
        DirectoryFd current = _root;
        int start = 0;
        try
        {
            while (start < zParent.Length - 1)
            {
                int end = zParent[start..].IndexOf((byte)'/');
                end = end < 0 ? zParent.Length - 1 : start + end;
                prefix[end] = 0;
                var next = _root.TryOpenInRoot(prefix.AsSpan(0, end + 1), out int errno);
                if (next is null && errno == Sys.ENOTDIR && _whiteouts is { Count: > 0 } && _whiteouts.Remove(Key(prefix.AsSpan(0, end))))
                {
                    // This layer whited the path out and now puts something below it: the device becomes a
                    // directory, opaque because the lower directory of that name stays deleted.
                    var component = new byte[end - start + 1];
                    zParent[start..end].CopyTo(component);
                    Check(current.TryUnlink(component, directory: false), "unlinkat", current, component);
                    Check(current.TryMakeDirectory(component, 0b111_101_101), "mkdirat", current, component);
                    MakeOpaque(current, component, prefix.AsSpan(0, end));
                    next = current.TryOpenChild(component, out errno);
                }
                else if (next is null && errno == Sys.ENOENT)
                {
                    var component = new byte[end - start + 1];
                    zParent[start..end].CopyTo(component);
                    PreserveTimes(current, zParent[..Math.Max(0, start - 1)]);
                    int rc = current.TryMakeDirectory(component, 0b111_101_101);
                    if (rc == Sys.EEXIST)
                    {
                        // ENOENT on the path but EEXIST on the name: a dangling symlink. Following it would create
                        // directories wherever it points; refuse instead.
                        throw LayerErrors.Invalid(LayerErrors.SymlinkEscape, _layer, entry.DisplayName, "parent path goes through a dangling symlink");
                    }
                    Check(rc, "mkdirat", current, component);
                    if (!UnderOpaque(prefix.AsSpan(0, end)))
                    {
                        CopyLowerDirectoryMetadata(current, component, prefix.AsSpan(0, end + 1));
                    }
                    if (_unpacked is not null)
                    {
                        RecordUnpacked(prefix.AsSpan(0, end));
                    }
                    next = current.TryOpenChild(component, out errno);
                }
                if (next is null)
                {
                    throw (errno == Sys.ENOTDIR || errno == Sys.ELOOP)
                        ? LayerErrors.Invalid(LayerErrors.SymlinkEscape, _layer, entry.DisplayName, "parent path is not a directory")
                        : new LinuxException(errno, "openat2", _root.DisplayPath + "/" + DirectoryFd.Show(prefix.AsSpan(0, end + 1)));
                }
                if (current != _root)
                {
                    current.Dispose();
                }
                current = next;
                prefix[end] = (byte)'/';
                start = end + 1;
            }
            return current;
        }
        catch
        {
            if (current != _root)
            {
                current.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Overlay mode: give an implicitly created directory the metadata of the nearest lower layer's copy (top first).
    /// trusted.overlay.* is not copied: an opaque flag copied up would hide the very lower directory it came from.
    /// </summary>
    private void CopyLowerDirectoryMetadata(DirectoryFd parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> zPath)
    {
        foreach (var lower in _lowers)
        {
            int fd = lower.TryOpenInRootRaw(zPath, Sys.O_PATH | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, out int errno);
            if (fd < 0)
            {
                if (errno == Sys.ENOENT)
                {
                    continue;
                }
                return;
            }
            using var found = DirectoryFd.Adopt(fd, lower.DisplayPath + "/" + DirectoryFd.Show(zPath));
            if (found.TryStat("\0"u8, out stat st) != 0 || !Sys.S_ISDIR(st.st_mode))
            {
                return; // replaced (by a file, symlink or whiteout) in that layer: defaults apply
            }
            Check(parent.TryChown(name, st.st_uid, st.st_gid), "fchownat", parent, name);
            foreach (var (key, value) in Xattrs.List(found))
            {
                if (!key.AsSpan().StartsWith("trusted.overlay."u8))
                {
                    parent.TrySetXattr(name, key, value);
                }
            }
            Check(parent.TryChmod(name, (uint)((ushort)st.st_mode & 0xFFF)), "fchmodat", parent, name);
            _inherited![Key(zPath[..^1])] = _directoryTimes.Count;
            _directoryTimes.Add((zPath.ToArray(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
            return;
        }
    }

    private void DropCache()
    {
        if (_parentCache is not null && _parentCache != _root)
        {
            _parentCache.Dispose();
        }
        _parentCache = null;
        _parentKey = [];
    }
}
