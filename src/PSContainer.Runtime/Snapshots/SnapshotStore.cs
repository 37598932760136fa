using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// What both snapshotters share: the layout under the root, per-chain locking, the unpack-then-rename commit, and
/// cleanup of what a killed process left behind.
/// <code>
/// &lt;root&gt;/&lt;chainid-hex&gt;/fs/        a committed snapshot (immutable), and its info.json
/// &lt;root&gt;/new-&lt;chainid-hex&gt;-&lt;random&gt;/  being unpacked by the holder of locks/&lt;chainid-hex&gt;.lock
/// &lt;root&gt;/del-&lt;random&gt;/              being removed
/// &lt;root&gt;/locks/&lt;chainid-hex&gt;.lock     flock per chain ID (the files stay; they are empty and harmless)
/// &lt;root&gt;/empty/fs/                 the lower directory of an image without layers
/// &lt;root&gt;/init-1/fs/                the mount points every container has, the top lower of every overlay rootfs
/// </code>
/// A <c>new-*</c> directory carries its chain ID in its name so that cleanup can tell a live unpack (its chain lock is
/// held) from a dead one (the lock is free: the kernel released it when the owner died).
/// </summary>
public abstract class SnapshotStore : ISnapshotter
{
    private const string NewPrefix = "new-";
    private const string DeletePrefix = "del-";

    /// <summary>The committed init directory (see <see cref="InitDirectory"/>); a new name if its content ever changes.</summary>
    private const string InitName = "init-1";

    /// <summary>The init directory's lock and work-directory key: 64 characters, as a chain ID's hex is.</summary>
    private static readonly string InitKey = InitName.PadLeft(64, '0');

    /// <summary>
    /// What the init directory holds: the mount points of the filesystems every container gets (RootfsSetup's defaults).
    /// Directories merge with an image's own, and all three are always mounted over, so the image's content under them
    /// is never hidden. (docker's init layer also has empty /etc/hosts, /etc/hostname and /etc/resolv.conf, which
    /// shadow the image's: those stay out, and are made in the upper directory when the image lacks them.)
    /// </summary>
    public static IReadOnlyList<string> InitDirectories { get; } = ["dev", "proc", "sys"];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, Loaded> _records = new();
    private bool _initReady;

    protected SnapshotStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "locks"));
    }

    /// <summary>The directory that holds the snapshots (the engine passes <c>&lt;store&gt;/snapshots</c>).</summary>
    public string Root { get; }

    public bool Exists(Digest chainId) => File.Exists(InfoPath(chainId));

    public SnapshotInfo? Stat(Digest chainId) => Load(chainId)?.Info;

    public IEnumerable<SnapshotInfo> List()
    {
        CleanLeftovers();
        var result = new List<SnapshotInfo>();
        foreach (string directory in Directory.EnumerateDirectories(Root))
        {
            string name = Path.GetFileName(directory);
            if (name.Length == 64 && Digest.TryParse("sha256:" + name, out var chainId) && Stat(chainId) is { } info)
            {
                result.Add(info);
            }
        }
        return result;
    }

    public async Task<SnapshotInfo> EnsureAsync(Digest chainId, Digest? parentChainId, LayerSource layer, CancellationToken cancellationToken)
    {
        if (Stat(chainId) is { } existing)
        {
            return existing;
        }
        if (parentChainId is { } parent && !Exists(parent))
        {
            throw ContainerRuntimeException.FailedPrecondition("SnapshotParentMissing",
                $"snapshot {chainId}: parent snapshot {parent} does not exist", chainId);
        }
        CleanLeftovers();
        using var chainLock = await FileLock.AcquireAsync(LockPath(chainId.Encoded), cancellationToken).ConfigureAwait(false);
        // Another process may have committed it while this one waited for the lock.
        if (Stat(chainId) is { } committed)
        {
            return committed;
        }
        string work = Path.Combine(Root, $"{NewPrefix}{chainId.Encoded}-{Guid.NewGuid():N}");
        string fs = Path.Combine(work, "fs");
        Directory.CreateDirectory(fs);
        try
        {
            long size = await Task.Run(() => Populate(fs, parentChainId, layer, cancellationToken), cancellationToken).ConfigureAwait(false);
            var record = new SnapshotRecord
            {
                Parent = parentChainId,
                DiffId = layer.DiffId,
                Size = size,
                Created = DateTimeOffset.UtcNow,
                Ancestors = parentChainId is { } p ? [p, .. AncestorsOf(p)] : [],
            };
            using (var stream = new FileStream(Path.Combine(work, "info.json"), FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, record, SnapshotJsonContext.Default.SnapshotRecord);
            }
            // Commit, in this order: flush every unpacked file and info.json (one syncfs covers the whole tree),
            // rename into place (atomic: the snapshot is either absent or complete), flush the rename itself.
            using (var workFd = DirectoryFd.Open(work))
            {
                workFd.SyncFileSystem();
            }
            using var rootFd = DirectoryFd.Open(Root);
            int rc = rootFd.TryRename(DirectoryFd.Z(Path.GetFileName(work)), rootFd, DirectoryFd.Z(chainId.Encoded), noReplace: true);
            if (rc != 0)
            {
                throw new LinuxException(rc, "renameat2", Path.Combine(Root, chainId.Encoded));
            }
            SyncDirectory(rootFd);
        }
        catch
        {
            TryRemove(work);
            throw;
        }
        return Stat(chainId) ?? throw new InvalidOperationException($"snapshot {chainId} vanished after commit");
    }

    public bool Remove(Digest chainId)
    {
        using var chainLock = FileLock.AcquireAsync(LockPath(chainId.Encoded), CancellationToken.None).GetAwaiter().GetResult();
        string directory = SnapshotDirectory(chainId);
        if (!Directory.Exists(directory))
        {
            return false;
        }
        // Rename first, so the snapshot disappears at once; the tree is then removed at leisure (or by cleanup).
        string doomed = Path.Combine(Root, DeletePrefix + Guid.NewGuid().ToString("N"));
        Directory.Move(directory, doomed);
        _records.TryRemove(chainId, out _);
        TryRemove(doomed);
        return true;
    }

    public abstract IReadOnlyList<Mount> PrepareRootfs(Digest? topChainId, string upperDirectory, string workDirectory, bool ephemeral = false);

    /// <summary>Fills <paramref name="fs"/> (a fresh, private directory) with the snapshot's content; returns the layer's size.</summary>
    protected abstract long Populate(string fs, Digest? parentChainId, LayerSource layer, CancellationToken cancellationToken);

    /// <summary>
    /// The <c>fs</c> directories of the chain ending at <paramref name="top"/>, top first. One info.json is read
    /// (and then cached) whatever the chain's length: the ancestors are recorded in it at commit. Each directory is
    /// checked to exist (a stat each, microseconds), so a removed parent fails here rather than in the mount.
    /// </summary>
    protected IReadOnlyList<string> Chain(Digest top)
    {
        var loaded = Load(top) ?? throw NotFound(top);
        var result = new List<string>(loaded.Ancestors.Count + 1) { loaded.Info.Directory };
        foreach (var ancestor in loaded.Ancestors)
        {
            string fs = Path.Combine(SnapshotDirectory(ancestor), "fs");
            if (!Directory.Exists(fs))
            {
                throw NotFound(ancestor);
            }
            result.Add(fs);
        }
        return result;
    }

    protected string SnapshotDirectory(Digest chainId) => Path.Combine(Root, chainId.Encoded);

    /// <summary>An empty directory (for an image without layers).</summary>
    protected string EmptyDirectory()
    {
        string empty = Path.Combine(Root, "empty", "fs");
        Directory.CreateDirectory(empty);
        return empty;
    }

    /// <summary>
    /// The lower directory every overlay rootfs gets on top of the image: the mount points a container always has
    /// (/dev, /proc, /sys), as in docker's init layer (whose content is the same for every container, so one copy
    /// serves them all). Without it, stage 2 created whichever of them the image lacks in the container's upper
    /// directory at every start (minimal images have none of them), and deleting the container then waited for each
    /// of those directories' blocks to be discarded (ext4 -o discard: about 0.2 ms each here). Written once into
    /// <c>new-&lt;key&gt;-&lt;random&gt;</c> under its own lock (so <see cref="CleanLeftovers"/> knows a dead writer's),
    /// then renamed into place; immutable after.
    /// </summary>
    protected string InitDirectory()
    {
        string committed = Path.Combine(Root, InitName);
        string fs = Path.Combine(committed, "fs");
        if (_initReady || Directory.Exists(fs))
        {
            _initReady = true;
            return fs;
        }

        using var initLock = FileLock.AcquireAsync(LockPath(InitKey), CancellationToken.None).GetAwaiter().GetResult();
        if (!Directory.Exists(fs))
        {
            if (Directory.Exists(committed))
            {
                TryRemove(committed); // something other than ours (a hand-made or damaged copy): made afresh
            }

            string work = Path.Combine(Root, $"{NewPrefix}{InitKey}-{Guid.NewGuid():N}");
            try
            {
                // Modes set explicitly, whatever the umask.
                string tree = Path.Combine(work, "fs");
                foreach (string directory in InitDirectories)
                {
                    Directory.CreateDirectory(Path.Combine(tree, directory));
                    File.SetUnixFileMode(Path.Combine(tree, directory), (UnixFileMode)0x1ed); // 0755
                }

                Directory.Move(work, committed);
            }
            catch
            {
                TryRemove(work);
                throw;
            }
        }

        _initReady = true;
        return fs;
    }

    /// <summary>Removes <c>new-*</c> directories whose chain lock is free (their unpacker died) and any <c>del-*</c>.</summary>
    protected void CleanLeftovers()
    {
        foreach (string directory in Directory.EnumerateDirectories(Root))
        {
            string name = Path.GetFileName(directory);
            if (name.StartsWith(DeletePrefix, StringComparison.Ordinal))
            {
                TryRemove(directory);
            }
            else if (name.StartsWith(NewPrefix, StringComparison.Ordinal) && name.Length > NewPrefix.Length + 64)
            {
                using var free = FileLock.TryAcquire(LockPath(name.Substring(NewPrefix.Length, 64)));
                if (free is not null)
                {
                    TryRemove(directory);
                }
            }
        }
    }

    /// <summary>
    /// A committed snapshot's record, cached: committed snapshots never change, so the cache only has to notice
    /// removal, which the existence check of info.json (one stat) does — also when another process removed it.
    /// </summary>
    private Loaded? Load(Digest chainId)
    {
        if (_records.TryGetValue(chainId, out var cached))
        {
            if (File.Exists(InfoPath(chainId)))
            {
                return cached;
            }
            _records.TryRemove(chainId, out _);
            return null;
        }
        SnapshotRecord? record;
        try
        {
            using var stream = File.OpenRead(InfoPath(chainId));
            record = JsonSerializer.Deserialize(stream, SnapshotJsonContext.Default.SnapshotRecord);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (record is null)
        {
            return null;
        }
        var info = new SnapshotInfo(chainId, record.Parent, record.DiffId, Path.Combine(SnapshotDirectory(chainId), "fs"), record.Size, record.Created);
        // Snapshots committed before ancestors were recorded: walk the parents once (each is cached on the way).
        IReadOnlyList<Digest> ancestors = record.Ancestors ?? (record.Parent is { } parent ? [parent, .. AncestorsOf(parent)] : []);
        var loaded = new Loaded(info, ancestors);
        _records[chainId] = loaded;
        return loaded;
    }

    private IReadOnlyList<Digest> AncestorsOf(Digest chainId) => (Load(chainId) ?? throw NotFound(chainId)).Ancestors;

    private static ContainerRuntimeException NotFound(Digest chainId) =>
        ContainerRuntimeException.NotFound("SnapshotNotFound", $"snapshot {chainId} does not exist", chainId);

    private string InfoPath(Digest chainId) => Path.Combine(SnapshotDirectory(chainId), "info.json");

    private string LockPath(string chainHex) => Path.Combine(Root, "locks", chainHex + ".lock");

    private static void SyncDirectory(DirectoryFd directory)
    {
        // fsync needs a readable descriptor, not O_PATH.
        int fd = directory.TryOpenChildRaw(".\0"u8, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_DIRECTORY, out int errno);
        if (fd < 0)
        {
            throw new LinuxException(errno, "open", directory.DisplayPath);
        }
        Tmds.Linux.LibC.fsync(fd);
        Tmds.Linux.LibC.close(fd);
    }

    private static void TryRemove(string directory)
    {
        try
        {
            DirectoryTree.RemoveAll(directory);
        }
        catch (IOException)
        {
            // Best effort: a later cleanup pass retries.
        }
    }

    private sealed record Loaded(SnapshotInfo Info, IReadOnlyList<Digest> Ancestors);
}
