using System.Diagnostics;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Snapshots;

/// <summary>
/// The behaviour every <see cref="ISnapshotter"/> must have (containerd's snapshots/testsuite style): derive, say how
/// to build one and how to look at a prepared rootfs, and every test here runs against it.
/// </summary>
public abstract partial class SnapshotterConformance<T> : IDisposable
    where T : SnapshotStore
{
    protected SnapshotterConformance()
    {
        Work = Path.Combine(Path.GetTempPath(), "psc-tests", "snap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Work);
        Snapshots = Create(Path.Combine(Work, "snapshots"));
    }

    protected string Work { get; }

    protected T Snapshots { get; }

    protected abstract T Create(string root, LayerUnpackOptions? options = null);

    /// <summary>Makes the prepared rootfs visible at a path for <paramref name="check"/> (mounting it if needed).</summary>
    protected abstract void WithRootfs(IReadOnlyList<Mount> mounts, Action<string> check);

    /// <summary>What a rootfs has at its top that no layer put there (the overlay's init directory).</summary>
    protected virtual IReadOnlyList<string> RuntimeMountPoints => [];

    public virtual void Dispose() => DirectoryTree.RemoveAll(Work);

    protected static LayerSource Layer(byte[] tar, Action? onOpen = null, bool gzip = false)
    {
        byte[] blob = tar;
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(tar);
            }
            blob = ms.ToArray();
        }
        return new LayerSource(Digest.Compute(tar), gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, () =>
        {
            onOpen?.Invoke();
            return new MemoryStream(blob);
        });
    }

    protected async Task<Digest> Apply(Digest? parent, byte[] tar)
    {
        var layer = Layer(tar);
        var chainId = ChainIds.Next(parent, layer.DiffId);
        await Snapshots.EnsureAsync(chainId, parent, layer, CancellationToken.None);
        return chainId;
    }

    private string[] Leftovers() => Directory.EnumerateDirectories(Snapshots.Root)
        .Select(d => Path.GetFileName(d)!).Where(n => n.StartsWith("new-", StringComparison.Ordinal) || n.StartsWith("del-", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task Ensure_twice_is_idempotent()
    {
        int opened = 0;
        var layer = Layer(new TarBuilder().File("a", "1").Build(), () => opened++, gzip: true);
        var first = await Snapshots.EnsureAsync(layer.DiffId, null, layer, CancellationToken.None);
        var second = await Snapshots.EnsureAsync(layer.DiffId, null, layer, CancellationToken.None);
        Assert.Equal(1, opened);
        Assert.Equal(first, second);
        Assert.True(Snapshots.Exists(layer.DiffId));
        Assert.Equal(layer.DiffId, first.DiffId);
        Assert.Null(first.Parent);
        Assert.Single(Snapshots.List());
        Assert.Equal("1", File.ReadAllText(Path.Combine(first.Directory, "a")));
    }

    [Fact]
    public async Task Concurrent_ensure_from_two_tasks_unpacks_once()
    {
        int opened = 0;
        var layer = Layer(new TarBuilder().File("big", new byte[4 << 20]).Build(), () => Interlocked.Increment(ref opened));
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => Snapshots.EnsureAsync(layer.DiffId, null, layer, CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, opened);
        Assert.All(results, r => Assert.Equal(results[0], r));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task Chain_lock_excludes_another_process()
    {
        // flock(1) in another process holds this chain's lock: EnsureAsync must wait (here: until cancelled),
        // then succeed once the other process is gone.
        var layer = Layer(new TarBuilder().File("a", "1").Build());
        string lockFile = Path.Combine(Snapshots.Root, "locks", layer.DiffId.Encoded + ".lock");
        string ready = Path.Combine(Work, "ready");
        using var other = System.Diagnostics.Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "-c", $"touch {ready}; sleep 30"]))!;
        try
        {
            while (!File.Exists(ready))
            {
                await Task.Delay(10);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Snapshots.EnsureAsync(layer.DiffId, null, layer, cts.Token));
            Assert.False(Snapshots.Exists(layer.DiffId));
        }
        finally
        {
            other.Kill(entireProcessTree: true);
            await other.WaitForExitAsync();
        }
        await Snapshots.EnsureAsync(layer.DiffId, null, layer, CancellationToken.None);
        Assert.True(Snapshots.Exists(layer.DiffId));
    }

    [Fact]
    public async Task DiffId_mismatch_leaves_nothing_behind()
    {
        var good = Layer(new TarBuilder().File("a", "1").Build());
        var lying = good with { DiffId = Digest.Compute("something else"u8) };
        var ex = await Assert.ThrowsAsync<ContainerRuntimeException>(() => Snapshots.EnsureAsync(lying.DiffId, null, lying, CancellationToken.None));
        Assert.Equal(LayerErrors.DiffIdMismatch, ex.ErrorId);
        Assert.Equal(ErrorKind.DataLoss, ex.Kind);
        Assert.False(Snapshots.Exists(lying.DiffId));
        Assert.Empty(Snapshots.List());
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task Decompression_bomb_stops_at_the_configured_limit_and_leaves_nothing_behind()
    {
        var limited = Create(Path.Combine(Work, "limited"), new LayerUnpackOptions { MaxUncompressedBytes = 1 << 20 });
        var bomb = Layer(new TarBuilder().File("bomb", new byte[8 << 20]).Build(), gzip: true);
        var ex = await Assert.ThrowsAsync<ContainerRuntimeException>(() => limited.EnsureAsync(bomb.DiffId, null, bomb, CancellationToken.None));
        Assert.Equal((LayerErrors.TooLarge, ErrorKind.DataLoss), (ex.ErrorId, ex.Kind));
        Assert.False(limited.Exists(bomb.DiffId));
        Assert.DoesNotContain(Directory.EnumerateDirectories(limited.Root), d => Path.GetFileName(d)!.StartsWith("new-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Leftover_new_dir_of_a_dead_process_is_cleaned_and_a_live_one_kept()
    {
        string hexDead = new string('a', 64), hexLive = new string('b', 64);
        string dead = Path.Combine(Snapshots.Root, $"new-{hexDead}-0123");
        string live = Path.Combine(Snapshots.Root, $"new-{hexLive}-4567");
        Directory.CreateDirectory(Path.Combine(dead, "fs", "etc"));
        Directory.CreateDirectory(Path.Combine(live, "fs"));
        using (FileLock.TryAcquire(Path.Combine(Snapshots.Root, "locks", hexLive + ".lock")))
        {
            Assert.Empty(Snapshots.List());
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(live)); // its unpacker (the lock holder) is alive
        }
        await Apply(null, new TarBuilder().File("x").Build());
        Assert.False(Directory.Exists(live));
    }

    [Fact]
    public async Task Missing_parent_is_a_failed_precondition()
    {
        var layer = Layer(new TarBuilder().File("a").Build());
        var parent = Digest.Compute("nope"u8);
        var ex = await Assert.ThrowsAsync<ContainerRuntimeException>(() =>
            Snapshots.EnsureAsync(ChainIds.Next(parent, layer.DiffId), parent, layer, CancellationToken.None));
        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
    }

    [Fact]
    public async Task Remove_deletes_a_snapshot()
    {
        var id = await Apply(null, new TarBuilder().File("a").Build());
        Assert.True(Snapshots.Remove(id));
        Assert.False(Snapshots.Exists(id));
        Assert.False(Snapshots.Remove(id));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task Rootfs_shows_the_union_with_whiteouts_opaque_dirs_and_writes_in_upper()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("etc").File("etc/passwd", "root").File("etc/motd", "hi")
            .Dir("var").Dir("var/cache").File("var/cache/old", "o").File("bin-sh", "sh").Build());
        var l2 = await Apply(l1, new TarBuilder().Whiteout("etc/.wh.motd").Dir("var/cache").Whiteout("var/cache/.wh..wh..opq")
            .File("var/cache/new", "n").File("etc/hostname", "box").Build());
        var info = Snapshots.Stat(l2)!;
        Assert.Equal(l1, info.Parent);
        string upper = Path.Combine(Work, "c1", "upper"), work = Path.Combine(Work, "c1", "work");
        var mounts = Snapshots.PrepareRootfs(l2, upper, work);
        WithRootfs(mounts, root =>
        {
            Assert.Equal("root", File.ReadAllText(Path.Combine(root, "etc/passwd")));
            Assert.Equal("box", File.ReadAllText(Path.Combine(root, "etc/hostname")));
            Assert.False(File.Exists(Path.Combine(root, "etc/motd")));
            Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(root, "var/cache")).Select(p => Path.GetFileName(p)!).ToArray());
            File.WriteAllText(Path.Combine(root, "etc/written"), "w");
            File.Delete(Path.Combine(root, "bin-sh"));
        });
        Assert.Equal("w", File.ReadAllText(Path.Combine(upper, "etc/written")));
        // The snapshots themselves are untouched by the container's changes.
        Assert.True(File.Exists(Path.Combine(Snapshots.Stat(l1)!.Directory, "bin-sh")));
        Assert.False(File.Exists(Path.Combine(Snapshots.Stat(l2)!.Directory, "etc/written")));
    }

    [Fact]
    public async Task Image_without_layers_gets_a_rootfs_with_only_the_runtimes_mount_points()
    {
        var mounts = Snapshots.PrepareRootfs(null, Path.Combine(Work, "c0", "upper"), Path.Combine(Work, "c0", "work"));
        WithRootfs(mounts, root =>
        {
            Assert.Equal(RuntimeMountPoints, Directory.EnumerateFileSystemEntries(root).Select(p => Path.GetFileName(p)!).Order());
            File.WriteAllText(Path.Combine(root, "x"), "x");
        });
        Assert.True(File.Exists(Path.Combine(Work, "c0", "upper", "x")));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Hundred_layer_image_prepares_and_shows_every_layer()
    {
        Digest? parent = null;
        for (int i = 0; i < 100; i++)
        {
            parent = await Apply(parent, new TarBuilder().File($"layer-{i:D3}", i.ToString()).Build());
        }
        var mounts = Snapshots.PrepareRootfs(parent, Path.Combine(Work, "c100", "upper"), Path.Combine(Work, "c100", "work"));
        WithRootfs(mounts, root =>
        {
            Assert.Equal(100, Directory.EnumerateFiles(root, "layer-*").Count());
            Assert.Equal("99", File.ReadAllText(Path.Combine(root, "layer-099")));
        });
    }
}
