using System.Text;
using PSContainer.Runtime.Linux;
using Tmds.Linux;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// Applies tar entries to a layer directory through descriptors only. The rules, and why each is safe:
/// <list type="bullet">
/// <item>Names are cleaned lexically first; a <c>..</c> above the root is refused (LayerPathEscape).</item>
/// <item>The parent directory is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to the
/// layer root, so a symlink in the parent path — absolute, relative, or a <c>link/x</c> planted by an earlier
/// entry — is resolved as if the layer root were <c>/</c> and can never lead outside it.</item>
/// <item>The entry itself is created with an *at() call on that parent descriptor, by its last component only,
/// with O_NOFOLLOW|O_CREAT|O_EXCL / mkdirat / symlinkat / mknodat / linkat — all of which fail rather than
/// follow a symlink at the final component. On EEXIST the old entry is removed (a directory over a directory
/// is kept and only its metadata changes) and the call is repeated.</item>
/// <item>Metadata is changed with AT_SYMLINK_NOFOLLOW calls or on the descriptor just created: chown before
/// chmod (chown clears setuid/setgid) and before security.capability (chown clears it too); directory mtimes are
/// set at the very end, because creating their children changes them.</item>
/// </list>
/// </summary>
internal sealed partial class LayerTreeWriter : IDisposable
{
    private readonly DirectoryFd _root;
    private readonly LayerUnpackOptions _options;
    private readonly string _layer;
    private readonly DirectoryFd[] _lowers;
    private readonly List<(byte[] Path, long Seconds, long Nanoseconds)> _directoryTimes = [];
    private readonly HashSet<string>? _unpacked; // Apply mode: paths this layer created (an opaque dir keeps them)
    private readonly HashSet<string>? _ancestors; // Apply mode: directories above a path this layer created
    private readonly Dictionary<string, int>? _preserved; // Apply mode: lower directories changed here -> their _directoryTimes index
    private readonly HashSet<string>? _whiteouts; // Overlay mode: whiteout devices this layer created
    private readonly HashSet<string>? _opaque; // Overlay mode: directories this layer made opaque
    private readonly Dictionary<string, int>? _inherited; // Overlay mode: implicit directories with a lower layer's metadata -> their _directoryTimes index
    private byte[] _path = new byte[512];
    private byte[] _scratch = new byte[512];
    private byte[] _parentKey = [];
    private DirectoryFd? _parentCache; // the last parent directory; entries are mostly grouped by directory

    public LayerTreeWriter(string directory, LayerUnpackOptions options, string layer)
    {
        _options = options;
        _layer = layer;
        _root = DirectoryFd.Open(directory);
        _lowers = new DirectoryFd[options.WhiteoutMode == WhiteoutMode.Overlay ? options.LowerDirectories.Count : 0];
        for (int i = 0; i < _lowers.Length; i++)
        {
            _lowers[i] = DirectoryFd.Open(options.LowerDirectories[i]);
        }
        if (options.WhiteoutMode == WhiteoutMode.Apply)
        {
            _unpacked = new HashSet<string>(StringComparer.Ordinal);
            _ancestors = new HashSet<string>(StringComparer.Ordinal);
            _preserved = new Dictionary<string, int>(StringComparer.Ordinal);
        }
        else
        {
            _whiteouts = new HashSet<string>(StringComparer.Ordinal);
            _opaque = new HashSet<string>(StringComparer.Ordinal);
            _inherited = new Dictionary<string, int>(StringComparer.Ordinal);
        }
    }

    /// <summary>Applies one entry; its data (for regular files) is read from <paramref name="reader"/>.</summary>
    public void Apply(TarEntry entry, LayerTarReader reader)
    {
        EnsureCapacity(ref _path, entry.Name.Length + 1);
        int length = LayerPath.Clean(entry.Name, _path);
        if (length == LayerPath.HasNul)
        {
            throw LayerErrors.Corrupted(_layer, entry.DisplayName, "name contains a NUL byte");
        }
        if (length == LayerPath.Escapes)
        {
            throw LayerErrors.Invalid(LayerErrors.PathEscape, _layer, entry.DisplayName, "path leaves the layer directory");
        }
        if (length == 0)
        {
            // The layer root is the snapshot directory itself: its own metadata is not taken from the tar (as
            // containerd ignores it), and nothing may replace it with a file, symlink or device.
            if (entry.Type != TarEntry.TypeDirectory)
            {
                throw LayerErrors.Invalid(LayerErrors.PathEscape, _layer, entry.DisplayName, "a non-directory cannot replace the layer root");
            }
            return;
        }
        _path[length] = 0;
        var path = _path.AsSpan(0, length + 1);
        int slash = path.LastIndexOf((byte)'/');
        var parentPath = slash < 0 ? default : path[..slash];
        var name = path[(slash + 1)..];
        if (!parentPath.IsEmpty && LayerPath.HasWhiteoutComponent(parentPath))
        {
            throw LayerErrors.Invalid(LayerErrors.InvalidWhiteout, _layer, entry.DisplayName, "path goes through a whiteout");
        }
        if (name.StartsWith(".wh."u8))
        {
            ApplyWhiteout(entry, parentPath, name, slash);
            return;
        }
        var parent = ResolveParent(parentPath, slash, entry, create: true)!;
        // A whiteout only hides lower layers (layer.md): an entry of this layer at a path it also whited out
        // replaces the device, and a directory there must not show the lower directory's content — it is opaque.
        bool overWhiteout = _whiteouts is { Count: > 0 } && _whiteouts.Remove(Key(path[..^1]));
        switch (entry.Type)
        {
            case TarEntry.TypeDirectory:
                _inherited?.Remove(Key(path[..^1])); // listed now: its own metadata, not a lower layer's
                CreateDirectory(entry, parent, name, path);
                if (overWhiteout)
                {
                    MakeOpaque(parent, name, path[..^1]);
                }
                break;
            case TarEntry.TypeRegular or TarEntry.TypeRegularOld or TarEntry.TypeContiguous:
                CreateFile(entry, parent, name, reader);
                break;
            case TarEntry.TypeSymlink:
                CreateSymlink(entry, parent, name);
                break;
            case TarEntry.TypeHardlink:
                CreateHardlink(entry, parent, name);
                break;
            case TarEntry.TypeChar or TarEntry.TypeBlock or TarEntry.TypeFifo:
                CreateNode(entry, parent, name);
                break;
            default:
                throw LayerErrors.Invalid(LayerErrors.UnsupportedEntry, _layer, entry.DisplayName, $"unsupported tar entry type '{(char)entry.Type}'");
        }
        if (_unpacked is not null)
        {
            RecordUnpacked(path[..^1]);
        }
    }

    /// <summary>Sets the directories' mtimes, last, in archive order (a later duplicate wins).</summary>
    public void Finish()
    {
        foreach (var (pathZ, seconds, nanoseconds) in _directoryTimes)
        {
            if (pathZ is null)
            {
                continue; // withdrawn (an inherited mtime that an opaque marker made moot)
            }
            var path = pathZ.AsSpan();
            int slash = path.LastIndexOf((byte)'/');
            EnsureCapacity(ref _scratch, path.Length);
            path.CopyTo(_scratch);
            var parent = ResolveParentNoCreate(_scratch.AsSpan(0, path.Length), slash);
            if (parent is null)
            {
                continue; // removed by a later whiteout
            }
            try
            {
                parent.TrySetTimes(path[(slash + 1)..], seconds, nanoseconds);
            }
            finally
            {
                if (parent != _root)
                {
                    parent.Dispose();
                }
            }
        }
        _directoryTimes.Clear();
    }

    public void Dispose()
    {
        DropCache();
        _root.Dispose();
        foreach (var lower in _lowers)
        {
            lower?.Dispose();
        }
    }

    private void CreateDirectory(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> pathZ)
    {
        int rc = parent.TryMakeDirectory(name, 0b111_000_000);
        if (rc == Sys.EEXIST)
        {
            // A directory over a directory merges: keep it (and what lower entries put in it), update metadata.
            if (parent.TryStat(name, out stat st) == 0 && Sys.S_ISDIR(st.st_mode))
            {
                rc = 0;
            }
            else
            {
                Replace(parent, name);
                rc = parent.TryMakeDirectory(name, 0b111_000_000);
            }
        }
        Check(rc, "mkdirat", parent, name);
        Check(parent.TryChown(name, entry.Uid, entry.Gid), "fchownat", parent, name);
        SetXattrs(entry, parent, name, -1);
        Check(parent.TryChmod(name, entry.Mode), "fchmodat", parent, name);
        _directoryTimes.Add((pathZ.ToArray(), entry.MtimeSeconds, entry.MtimeNanoseconds));
    }

    private unsafe void CreateFile(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name, LayerTarReader reader)
    {
        int fd = parent.TryCreateFile(name, 0b110_000_000);
        if (fd == -Sys.EEXIST)
        {
            Replace(parent, name);
            fd = parent.TryCreateFile(name, 0b110_000_000);
        }
        Check(fd < 0 ? -fd : 0, "openat", parent, name);
        try
        {
            ReadOnlySpan<byte> data;
            while (!(data = reader.ReadData()).IsEmpty)
            {
                fixed (byte* p = data)
                {
                    for (int written = 0; written < data.Length;)
                    {
                        long n = Sys.write(fd, p + written, (size_t)(data.Length - written));
                        if (n < 0)
                        {
                            int errno = LinuxException.LastErrno;
                            if (errno == Sys.EINTR)
                            {
                                continue;
                            }
                            throw new LinuxException(errno, "write", Where(parent, name));
                        }
                        written += (int)n;
                    }
                }
            }
            // Order matters: write (clears capabilities), chown (clears setuid/setgid and capabilities),
            // xattrs (security.capability), chmod (sets setuid/setgid), times.
            CheckCall(Sys.fchown(fd, entry.Uid, entry.Gid), "fchown", parent, name);
            SetXattrs(entry, parent, name, fd);
            CheckCall(Sys.fchmod(fd, (ushort)entry.Mode), "fchmod", parent, name);
            timespec* times = stackalloc timespec[2];
            times[0].tv_sec = entry.MtimeSeconds;
            times[0].tv_nsec = (long_t)entry.MtimeNanoseconds;
            times[1] = times[0];
            CheckCall(Sys.futimens(fd, times), "futimens", parent, name);
        }
        finally
        {
            Sys.close(fd);
        }
    }

    private void CreateSymlink(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        if (entry.Link.IsEmpty || entry.Link.Contains((byte)0))
        {
            throw LayerErrors.Corrupted(_layer, entry.DisplayName, "symlink with an empty target or a NUL byte in it");
        }
        // The target is stored exactly as written: it is only ever interpreted inside the container's root
        // (or, by this writer, inside the layer root with RESOLVE_IN_ROOT).
        EnsureCapacity(ref _scratch, entry.Link.Length + 1);
        entry.Link.CopyTo(_scratch);
        _scratch[entry.Link.Length] = 0;
        var target = _scratch.AsSpan(0, entry.Link.Length + 1);
        int rc = parent.TrySymlink(target, name);
        if (rc == Sys.EEXIST)
        {
            Replace(parent, name);
            rc = parent.TrySymlink(target, name);
        }
        Check(rc, "symlinkat", parent, name);
        Check(parent.TryChown(name, entry.Uid, entry.Gid), "fchownat", parent, name);
        SetXattrs(entry, parent, name, -1);
        Check(parent.TrySetTimes(name, entry.MtimeSeconds, entry.MtimeNanoseconds), "utimensat", parent, name);
    }

    private void CreateNode(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        uint type = entry.Type switch { TarEntry.TypeChar => 0x2000u, TarEntry.TypeBlock => 0x6000u, _ => 0x1000u };
        ulong device = entry.Type == TarEntry.TypeFifo ? 0 : LayerPath.MakeDevice(entry.DevMajor, entry.DevMinor);
        int rc = parent.TryMakeNode(name, type, device);
        if (rc == Sys.EEXIST)
        {
            Replace(parent, name);
            rc = parent.TryMakeNode(name, type, device);
        }
        Check(rc, "mknodat", parent, name);
        ApplyMetadata(entry, parent, name, isSymlink: false);
    }

    /// <summary>chown, xattrs, chmod (unless a symlink), times — for entries created by name, not by descriptor.</summary>
    private void ApplyMetadata(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name, bool isSymlink)
    {
        Check(parent.TryChown(name, entry.Uid, entry.Gid), "fchownat", parent, name);
        SetXattrs(entry, parent, name, -1);
        if (!isSymlink)
        {
            Check(parent.TryChmod(name, entry.Mode), "fchmodat", parent, name);
        }
        Check(parent.TrySetTimes(name, entry.MtimeSeconds, entry.MtimeNanoseconds), "utimensat", parent, name);
    }

    private unsafe void SetXattrs(TarEntry entry, DirectoryFd parent, ReadOnlySpan<byte> name, int fd)
    {
        foreach (var (key, value) in entry.Xattrs)
        {
            // overlayfs reads trusted.overlay.* (and user.overlay.* with userxattr) as instructions — opaque, redirect,
            // metacopy, origin. A layer must not be able to forge them; opacity comes only from .wh..wh..opq.
            if (key.AsSpan().StartsWith("trusted.overlay."u8) || key.AsSpan().StartsWith("user.overlay."u8))
            {
                continue;
            }
            int rc;
            if (fd >= 0)
            {
                fixed (byte* k = key)
                fixed (byte* v = value)
                {
                    rc = Native.fsetxattr(fd, k, v, (nuint)value.Length, 0) == 0 ? 0 : LinuxException.LastErrno;
                }
            }
            else
            {
                rc = parent.TrySetXattr(name, key, value);
            }
            // As containerd: a filesystem without xattr support, or user.* on a symlink or device, is not an error.
            if (rc == Sys.ENOTSUP || (rc == Sys.EPERM && key.AsSpan().StartsWith("user."u8)))
            {
                continue;
            }
            Check(rc, "setxattr " + Encoding.UTF8.GetString(key.AsSpan(0, key.Length - 1)), parent, name);
        }
    }

    /// <summary>Removes whatever is at <paramref name="name"/> (recursively for a directory) so it can be replaced.</summary>
    private void Replace(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        // The removed path may have been (or led to) the cached parent. The cached descriptor itself stays open —
        // the caller may be using it right now — but it will not be reused for a later entry.
        _parentKey = [];
        DirectoryTree.RemoveAll(parent, name);
    }

    private void Check(int errno, string call, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        if (errno != 0)
        {
            throw new LinuxException(errno, call, Where(parent, name));
        }
    }

    private void CheckCall(int rc, string call, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        if (rc != 0)
        {
            throw new LinuxException(LinuxException.LastErrno, call, Where(parent, name));
        }
    }

    private static string Where(DirectoryFd parent, ReadOnlySpan<byte> name) => parent.DisplayPath + "/" + DirectoryFd.Show(name);

    private static string Key(ReadOnlySpan<byte> path) => Encoding.Latin1.GetString(path); // byte-exact, reversible

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
    }
}
