using PSContainer.Runtime.Linux;
using Tmds.Linux;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// Whiteouts and opaque directories (layer.md "Whiteouts"). Two rules shape everything here:
/// <list type="bullet">
/// <item>A whiteout hides only what the lower layers have at its path. What this layer itself puts there — before
/// or after the whiteout in the tar — stays; if that is a directory, the lower directory's content is hidden
/// beneath it (overlay: the directory is made opaque; apply: the lower content is deleted).</item>
/// <item>An opaque marker hides every lower descendant of its directory, whatever its position in the tar: entries
/// of this layer above or below it in the archive survive.</item>
/// </list>
/// </summary>
internal sealed partial class LayerTreeWriter
{
    private static ReadOnlySpan<byte> OpaqueMarker => ".wh..wh..opq\0"u8;

    private static ReadOnlySpan<byte> OpaqueXattr => "trusted.overlay.opaque\0"u8;

    private void ApplyWhiteout(TarEntry entry, ReadOnlySpan<byte> parentPath, ReadOnlySpan<byte> name, int slash)
    {
        bool overlay = _options.WhiteoutMode == WhiteoutMode.Overlay;
        if (name.SequenceEqual(OpaqueMarker))
        {
            var parent = ResolveParent(parentPath, slash, entry, create: overlay, forWhiteout: true);
            if (parent is null)
            {
                return; // nothing below to hide
            }
            if (overlay)
            {
                // The marker itself is never created; overlayfs hides the lower directories' content instead.
                Check(parent.TrySetXattr("\0"u8, OpaqueXattr, "y"u8), "setxattr trusted.overlay.opaque", parent, "\0"u8);
                _opaque!.Add(Key(parentPath));
                ForgetInheritedBelow(Key(parentPath));
            }
            else
            {
                ClearLowerContent(parent, parentPath);
            }
            return;
        }
        if (name.StartsWith(".wh..wh."u8))
        {
            return; // other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): never part of the result
        }
        var target = name[4..];
        if (target.Length == 1 || target.SequenceEqual(".\0"u8) || target.SequenceEqual("..\0"u8))
        {
            throw LayerErrors.Invalid(LayerErrors.InvalidWhiteout, _layer, entry.DisplayName, "whiteout without a valid name");
        }
        var directory = ResolveParent(parentPath, slash, entry, create: overlay, forWhiteout: true);
        if (directory is null)
        {
            return; // nothing below to hide
        }
        string key = Key(parentPath.IsEmpty ? target[..^1] : Join(parentPath, target));
        if (overlay)
        {
            WhiteoutInOverlay(entry, directory, target, key);
        }
        else
        {
            WhiteoutInApply(directory, target, key);
        }
    }

    /// <summary>Overlay mode: the directory holds only this layer, so whatever is already at the path is this layer's.</summary>
    private void WhiteoutInOverlay(TarEntry entry, DirectoryFd directory, ReadOnlySpan<byte> target, string key)
    {
        int rc = directory.TryStat(target, out stat st);
        if (rc == Sys.ENOENT)
        {
            // A 0/0 character device hides the lower path (overlayfs's whiteout).
            Check(directory.TryMakeNode(target, 0x2000, 0), "mknodat", directory, target);
            Check(directory.TryChown(target, entry.Uid, entry.Gid), "fchownat", directory, target);
            _whiteouts!.Add(key);
            return;
        }
        Check(rc, "fstatat", directory, target);
        if (Sys.S_ISDIR(st.st_mode))
        {
            // This layer's own directory stays, without the lower directory's content. If the layer only implied it
            // (it lent the lower directory's metadata), that lower directory is exactly what the whiteout deletes:
            // defaults, as if the whiteout had come first.
            if (_inherited!.Remove(key, out int timeIndex))
            {
                _directoryTimes[timeIndex] = default;
                ResetToDefaults(directory, target);
            }
            MakeOpaque(directory, target, System.Text.Encoding.Latin1.GetBytes(key));
        }
        // A whiteout already there, or a non-directory of this layer, which hides the lower path by itself.
    }

    /// <summary>Apply mode: the directory holds the lower layers too; delete what belongs to them only.</summary>
    private void WhiteoutInApply(DirectoryFd directory, ReadOnlySpan<byte> target, string key)
    {
        if (!_unpacked!.Contains(key) && !_ancestors!.Contains(key))
        {
            Replace(directory, target); // a lower path (absent is fine)
            return;
        }
        // This layer created the path (or something below it): keep that, remove only lower content beneath it.
        if (directory.TryStat(target, out stat st) == 0 && Sys.S_ISDIR(st.st_mode))
        {
            if (!_unpacked.Contains(key))
            {
                // The lower directory, kept only for what this layer put below it, is what the whiteout deletes.
                ResetToDefaults(directory, target);
                if (_preserved!.TryGetValue(key, out int timeIndex) && timeIndex >= 0)
                {
                    _directoryTimes[timeIndex] = default;
                }
                _preserved[key] = -1;
            }
            using var child = directory.TryOpenChild(target, out int errno)
                ?? throw new LinuxException(errno, "openat", Where(directory, target));
            ClearLowerContent(child, System.Text.Encoding.Latin1.GetBytes(key));
        }
    }

    /// <summary>Overlay mode: marks a directory of this layer opaque (its lower counterparts' content is hidden).</summary>
    private void MakeOpaque(DirectoryFd parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> path)
    {
        Check(parent.TrySetXattr(name, OpaqueXattr, "y"u8), "setxattr trusted.overlay.opaque", parent, name);
        _opaque!.Add(Key(path));
        ForgetInheritedBelow(Key(path));
    }

    /// <summary>
    /// Overlay mode: an opaque directory met after implicit directories below it were given a lower layer's
    /// metadata (the tar listed the marker late). Had the marker come first, those directories would have had
    /// nothing to inherit from, so they get the defaults now: the marker applies first whatever the tar order.
    /// </summary>
    private void ForgetInheritedBelow(string directory)
    {
        if (_inherited is not { Count: > 0 })
        {
            return;
        }
        string prefix = directory.Length == 0 ? "" : directory + "/";
        foreach (var (key, timeIndex) in _inherited.Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            _inherited.Remove(key);
            _directoryTimes[timeIndex] = default; // its lower mtime no longer applies
            byte[] path = System.Text.Encoding.Latin1.GetBytes(key + "\0");
            int slash = Array.LastIndexOf(path, (byte)'/');
            var parent = ResolveParentNoCreate(path, slash);
            if (parent is null)
            {
                continue;
            }
            try
            {
                ResetToDefaults(parent, path.AsSpan(slash + 1));
            }
            finally
            {
                if (parent != _root)
                {
                    parent.Dispose();
                }
            }
        }
    }

    /// <summary>The metadata of a directory this layer implies without listing it: root:root 0755, no xattrs but overlay's own.</summary>
    private unsafe void ResetToDefaults(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        Check(parent.TryChown(name, 0, 0), "fchownat", parent, name);
        Span<byte> path = stackalloc byte[64 + name.Length];
        int length = parent.ProcPath(name, path);
        foreach (var (key, _) in Xattrs.List(parent, name))
        {
            if (key.AsSpan().StartsWith("trusted.overlay."u8))
            {
                continue; // this layer's own opaque flag stays
            }
            fixed (byte* p = path[..length])
            fixed (byte* k = key)
            {
                if (Native.lremovexattr(p, k) != 0)
                {
                    Check(LinuxException.LastErrno, "lremovexattr", parent, name);
                }
            }
        }
        Check(parent.TryChmod(name, 0b111_101_101), "fchmodat", parent, name);
    }

    /// <summary>
    /// Overlay mode: true when a strict ancestor of <paramref name="path"/> was made opaque by this layer, so that
    /// the lower layers' copy of the path is hidden and must not lend its metadata to an implicit directory.
    /// </summary>
    private bool UnderOpaque(ReadOnlySpan<byte> path)
    {
        if (_opaque is not { Count: > 0 })
        {
            return false;
        }
        if (_opaque.Contains(""))
        {
            return true;
        }
        for (int slash = path.LastIndexOf((byte)'/'); slash > 0; slash = path[..slash].LastIndexOf((byte)'/'))
        {
            if (_opaque.Contains(Key(path[..slash])))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Apply mode's opaque directory: removes every descendant of <paramref name="directory"/> that this layer did
    /// not create, recursing into the directories it did create or created something below (their lower content
    /// is hidden too: an opaque directory hides all lower descendants, not just its children).
    /// </summary>
    private void ClearLowerContent(DirectoryFd directory, ReadOnlySpan<byte> directoryPath)
    {
        PreserveTimes(directory, directoryPath);
        string prefix = directoryPath.IsEmpty ? "" : Key(directoryPath) + "/";
        int fd = directory.TryOpenChildRaw(".\0"u8, Sys.O_RDONLY | Sys.O_DIRECTORY, out int errno);
        Check(fd < 0 ? errno : 0, "openat", directory, "\0"u8);
        var victims = new List<ReadOnlyMemory<byte>>();
        var kept = new List<(ReadOnlyMemory<byte> Name, string Key)>();
        using (var listing = DirectoryFd.Adopt(fd, directory.DisplayPath))
        {
            foreach (var (child, type) in DirectoryTree.ReadEntries(listing))
            {
                string key = prefix + Key(child.Span[..^1]);
                if (_unpacked!.Contains(key) || _ancestors!.Contains(key))
                {
                    if (type == Native.DT_DIR || (type == 0 /* DT_UNKNOWN */ && IsDirectory(directory, child.Span)))
                    {
                        kept.Add((child, key));
                    }
                }
                else
                {
                    victims.Add(child);
                }
            }
        }
        foreach (var child in victims)
        {
            Replace(directory, child.Span);
        }
        foreach (var (child, key) in kept)
        {
            if (!_unpacked!.Contains(key))
            {
                // A lower directory kept only because this layer put something below it: with the lower content
                // hidden it is an implied directory of this layer, as if the marker had come first — also its mtime,
                // which is not restored (overlay's implied directory has none to restore either).
                ResetToDefaults(directory, child.Span);
                if (_preserved!.TryGetValue(key, out int timeIndex) && timeIndex >= 0)
                {
                    _directoryTimes[timeIndex] = default;
                }
                _preserved[key] = -1;
            }
            using var sub = directory.TryOpenChild(child.Span, out errno)
                ?? throw new LinuxException(errno, "openat", Where(directory, child.Span));
            ClearLowerContent(sub, System.Text.Encoding.Latin1.GetBytes(key));
        }
    }

    /// <summary>
    /// Apply mode: a lower directory that this layer changes without listing it (it adds or removes something inside)
    /// keeps the mtime it had, restored at the end with the others — overlay mode gives such a directory the lower
    /// layer's metadata too, and both drivers must show the same tree.
    /// </summary>
    private void PreserveTimes(DirectoryFd directory, ReadOnlySpan<byte> path)
    {
        if (_preserved is null || path.IsEmpty)
        {
            return;
        }
        string key = Key(path);
        if (_unpacked!.Contains(key) || _preserved.ContainsKey(key))
        {
            return;
        }
        if (directory.TryStat("\0"u8, out stat st) != 0)
        {
            _preserved[key] = -1;
            return;
        }
        _preserved[key] = _directoryTimes.Count;
        byte[] z = new byte[path.Length + 1];
        path.CopyTo(z);
        _directoryTimes.Add((z, st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
    }

    private static bool IsDirectory(DirectoryFd parent, ReadOnlySpan<byte> name) =>
        parent.TryStat(name, out stat st) == 0 && Sys.S_ISDIR(st.st_mode);

    /// <summary>Apply mode: records a path this layer created, and its ancestors, for whiteouts and opaque markers later on.</summary>
    private void RecordUnpacked(ReadOnlySpan<byte> path)
    {
        _unpacked!.Add(Key(path));
        for (int slash = path.LastIndexOf((byte)'/'); slash > 0; slash = path[..slash].LastIndexOf((byte)'/'))
        {
            if (!_ancestors!.Add(Key(path[..slash])))
            {
                return; // its ancestors are recorded already
            }
        }
    }

    /// <summary><paramref name="directory"/> + "/" + <paramref name="nameZ"/> without the name's NUL.</summary>
    private static byte[] Join(ReadOnlySpan<byte> directory, ReadOnlySpan<byte> nameZ)
    {
        byte[] result = new byte[directory.Length + nameZ.Length];
        directory.CopyTo(result);
        result[directory.Length] = (byte)'/';
        nameZ[..^1].CopyTo(result.AsSpan(directory.Length + 1));
        return result;
    }
}
