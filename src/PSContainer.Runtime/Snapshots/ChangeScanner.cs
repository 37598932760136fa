using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using Tmds.Linux;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// What a container changed against its image, read from disk without mounting anything (docker diff).
///
/// Overlay: only the upper directory is walked. A 0/0 character device there is a deletion; anything else is a
/// change when the image (the lower layers, looked up the way overlayfs does: top first, a whiteout or a
/// non-directory ending the search, an opaque directory ending the descent) has that path, else an addition. An
/// opaque directory in the upper layer also deletes every lower child it does not have itself. Directories that
/// overlayfs copied up because something inside them changed are changes, as docker reports them.
///
/// Copy: the container's full tree is compared with the image's (the top snapshot), by type, mode, owner, size,
/// mtime, device number and link target — the same test docker's vfs driver makes.
///
/// Paths in <c>ignoreAdded</c> (the runtime's mount points) are not reported as added: the runtime made them. Nor is
/// a directory whose only change is such a mount point made inside it (/etc for /etc/hosts): docker keeps those in its
/// init layer, below the container's own, so docker diff never shows them either.
/// </summary>
public static partial class ChangeScanner
{
    /// <summary>Deeper than any image can be (a layer path is at most PATH_MAX long) and far inside the stack.</summary>
    public const int MaxDepth = 2048;

    /// <summary>
    /// The changes of a container from its rootfs mount records: one overlay (upper against lowers), or one bind
    /// mount of the copy driver's full tree (against <paramref name="imageTree"/>, asked only then).
    /// </summary>
    public static List<ContainerChange> Scan(string container, IReadOnlyList<Mount> rootfsMounts, Func<string?> imageTree, IReadOnlySet<string> ignoreAdded)
    {
        var rootfs = rootfsMounts.Count == 1 ? rootfsMounts[0] : null;
        if (rootfs?.Type == "overlay")
        {
            var (upper, lowers) = OverlayDirectories(rootfs, container);
            return WithoutMountPointParents(Overlay(container, upper, lowers, ignoreAdded), ignoreAdded);
        }
        if (rootfs?.Type == "bind")
        {
            return WithoutMountPointParents(Copy(container, rootfs.Source, imageTree(), ignoreAdded), ignoreAdded);
        }
        throw ContainerRuntimeException.FailedPrecondition("ContainerRootfsUnknown",
            $"container {container}: its root filesystem is not an overlay or a copy, so its changes cannot be read", container);
    }

    /// <summary>Drops the directories that changed only because a mount point was made inside them.</summary>
    private static List<ContainerChange> WithoutMountPointParents(List<ContainerChange> changes, IReadOnlySet<string> mountPoints)
    {
        var parentsOfMountPoints = new HashSet<string>(mountPoints.SelectMany(Ancestors), StringComparer.Ordinal);
        var parentsOfChanges = new HashSet<string>(changes.SelectMany(c => Ancestors(c.Path)), StringComparer.Ordinal);
        changes.RemoveAll(c => c.Type == LayerEntryType.Directory && c.Change != ChangeKind.Deleted &&
            parentsOfMountPoints.Contains(c.Path) && !parentsOfChanges.Contains(c.Path));
        return changes;
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    /// <summary>Reads an overlay's upper directory against its lower directories (top first).</summary>
    public static List<ContainerChange> Overlay(string container, string upper, IReadOnlyList<string> lowers, IReadOnlySet<string> ignoreAdded,
        int maxDepth = MaxDepth)
    {
        var changes = new List<ContainerChange>();
        using var upperFd = OpenReadable(upper);
        var stack = new List<DirectoryFd>(lowers.Count);
        try
        {
            foreach (string lower in lowers)
            {
                stack.Add(OpenReadable(lower));
            }
            new OverlayWalk(container, changes, ignoreAdded, maxDepth).Directory(upperFd, "/", stack);
        }
        finally
        {
            stack.ForEach(d => d.Dispose());
        }
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    /// <summary>Compares a full tree with the image's full tree (null: an image without layers, so everything is added).</summary>
    public static List<ContainerChange> Copy(string container, string tree, string? image, IReadOnlySet<string> ignoreAdded, int maxDepth = MaxDepth)
    {
        var changes = new List<ContainerChange>();
        using var treeFd = OpenReadable(tree);
        using var imageFd = image is null ? null : OpenReadable(image);
        CompareDirectories(container, changes, ignoreAdded, treeFd, imageFd, "/", 0, maxDepth);
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    private static void CompareDirectories(string container, List<ContainerChange> changes, IReadOnlySet<string> ignoreAdded,
        DirectoryFd mine, DirectoryFd? image, string path, int depth, int maxDepth)
    {
        CheckDepth(container, depth, maxDepth);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (nameZ, _) in DirectoryTree.ReadEntries(mine))
        {
            string name = Encoding.Latin1.GetString(nameZ.Span[..^1]);
            seen.Add(name);
            string childPath = Join(path, nameZ.Span);
            if (!Stat(mine, nameZ.Span, out stat st))
            {
                continue; // removed by the running container since it was listed
            }
            stat imageSt = default;
            bool inImage = image is not null && image.TryStat(nameZ.Span, out imageSt) == 0;
            if (!inImage)
            {
                if (!ignoreAdded.Contains(childPath))
                {
                    changes.Add(Change(container, childPath, ChangeKind.Added, st));
                }
            }
            else if (Differs(mine, image!, nameZ.Span, st, imageSt))
            {
                changes.Add(Change(container, childPath, ChangeKind.Changed, st));
            }
            if (Sys.S_ISDIR(st.st_mode))
            {
                using var child = OpenChild(mine, nameZ.Span);
                using var imageChild = inImage && Sys.S_ISDIR(imageSt.st_mode) ? OpenChild(image!, nameZ.Span) : null;
                if (child is not null)
                {
                    CompareDirectories(container, changes, ignoreAdded, child, imageChild, childPath, depth + 1, maxDepth);
                }
            }
        }
        if (image is null)
        {
            return;
        }
        foreach (var (nameZ, _) in DirectoryTree.ReadEntries(image))
        {
            if (!seen.Contains(Encoding.Latin1.GetString(nameZ.Span[..^1])) && image.TryStat(nameZ.Span, out stat st) == 0)
            {
                changes.Add(Change(container, Join(path, nameZ.Span), ChangeKind.Deleted, st));
            }
        }
    }

    private static bool Differs(DirectoryFd a, DirectoryFd b, ReadOnlySpan<byte> name, in stat x, in stat y)
    {
        if (x.st_mode != y.st_mode || x.st_uid != y.st_uid || x.st_gid != y.st_gid
            || x.st_mtim.tv_sec != y.st_mtim.tv_sec || x.st_mtim.tv_nsec != y.st_mtim.tv_nsec)
        {
            return true;
        }
        if (Sys.S_ISDIR(x.st_mode))
        {
            return false;
        }
        if (x.st_size != y.st_size || (ulong)x.st_rdev != (ulong)y.st_rdev)
        {
            return true;
        }
        return Sys.S_ISLNK(x.st_mode) && !ReadLink(a, name).AsSpan().SequenceEqual(ReadLink(b, name));
    }

    /// <summary>The upper directory and the lower directories (top first) of an overlay mount record.</summary>
    private static (string Upper, List<string> Lowers) OverlayDirectories(Mount mount, string container)
    {
        string? upper = null;
        var lowers = new List<string>();
        foreach (string option in mount.Options)
        {
            if (option.StartsWith("upperdir=", StringComparison.Ordinal))
            {
                upper = option["upperdir=".Length..];
            }
            else if (option.StartsWith("lowerdir+=", StringComparison.Ordinal))
            {
                lowers.Add(option["lowerdir+=".Length..]);
            }
            else if (option.StartsWith("lowerdir=", StringComparison.Ordinal))
            {
                lowers.AddRange(option["lowerdir=".Length..].Split(':'));
            }
        }
        return upper is null
            ? throw ContainerRuntimeException.FailedPrecondition("ContainerRootfsUnknown", $"container {container}: its overlay has no upper directory", container)
            : (upper, lowers);
    }

    /// <summary>
    /// The walk recurses per directory level. A container can nest directories without limit (mkdir in a loop), so
    /// the depth is bounded well below what the thread's stack holds: an error, not a crashed host process.
    /// </summary>
    private static void CheckDepth(string container, int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw ContainerRuntimeException.FailedPrecondition("ContainerTreeTooDeep",
                $"container {container}: its files are nested more than {maxDepth} directories deep; their changes are not read", container);
        }
    }

    private static bool Stat(DirectoryFd parent, ReadOnlySpan<byte> name, out stat st)
    {
        int rc = parent.TryStat(name, out st);
        if (rc == Sys.ENOENT)
        {
            return false;
        }
        Check(rc, "fstatat", parent, name);
        return true;
    }

    private static bool IsWhiteout(in stat st) => (st.st_mode & 0xF000) == 0x2000 && (ulong)st.st_rdev == 0;

    private static bool IsOpaque(DirectoryFd parent, ReadOnlySpan<byte> name) =>
        Xattrs.List(parent, name).Any(x => x.Key.AsSpan().SequenceEqual("trusted.overlay.opaque\0"u8) && x.Value.AsSpan().SequenceEqual("y"u8));

    private static ContainerChange Change(string container, string path, ChangeKind kind, in stat st) => new()
    {
        Container = container,
        Path = path,
        Change = kind,
        Type = ((uint)st.st_mode & 0xF000) switch
        {
            0x4000 => LayerEntryType.Directory,
            0xA000 => LayerEntryType.Symlink,
            0x2000 => LayerEntryType.CharacterDevice,
            0x6000 => LayerEntryType.BlockDevice,
            0x1000 => LayerEntryType.Fifo,
            _ => LayerEntryType.File,
        },
    };

    private static string Join(string path, ReadOnlySpan<byte> nameZ) =>
        (path == "/" ? "/" : path + "/") + Encoding.UTF8.GetString(nameZ[..^1]);

    private static unsafe byte[] ReadLink(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        byte[] buffer = new byte[4096];
        long n;
        fixed (byte* p = name)
        fixed (byte* b = buffer)
        {
            n = Sys.readlinkat(parent.Fd, p, b, (size_t)buffer.Length);
        }
        return n < 0 ? [] : buffer[..(int)n];
    }

    private static DirectoryFd OpenReadable(string path)
    {
        using var parent = DirectoryFd.Open(path);
        return OpenChild(parent, "\0"u8) ?? throw new LinuxException(Errno.ENOENT, "open", path);
    }

    /// <summary>A readable descriptor of a child directory (or of the directory itself for "\0"), never following a symlink.</summary>
    private static DirectoryFd? OpenChild(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        int fd = parent.TryOpenChildRaw(name.Length == 1 ? ".\0"u8 : name, Sys.O_RDONLY | Sys.O_DIRECTORY, out int errno);
        if (fd < 0)
        {
            return errno == Sys.ENOENT || errno == Sys.ENOTDIR ? null : throw new LinuxException(errno, "openat", parent.DisplayPath + "/" + DirectoryFd.Show(name));
        }
        return DirectoryFd.Adopt(fd, parent.DisplayPath + (name.Length == 1 ? "" : "/" + DirectoryFd.Show(name)));
    }

    private static void Check(int errno, string call, DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        if (errno != 0)
        {
            throw new LinuxException(errno, call, parent.DisplayPath + "/" + DirectoryFd.Show(name));
        }
    }
}
