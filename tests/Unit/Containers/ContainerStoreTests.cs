using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>
/// The container store without the shim: names, and what the garbage collection finishes after a crash (a kill -9
/// of pwsh or of psc-shim at the wrong moment) — and what it must leave to a live owner.
/// </summary>
public sealed class ContainerStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TempDirectory _volumeDir = new();
    private readonly VolumeStore _volumes;
    private readonly ContainerStore _store;

    public ContainerStoreTests()
    {
        _volumes = new VolumeStore(_volumeDir.Path);
        _store = new ContainerStore(_dir.Path, _volumes);
    }

    public void Dispose()
    {
        _dir.Dispose();
        _volumeDir.Dispose();
    }

    [Fact]
    public async Task NamesAreUniqueAndRenamesKeepThemSo()
    {
        Container web = await CreateAsync("web");
        Container db = await CreateAsync("db");

        var taken = await Assert.ThrowsAsync<ContainerRuntimeException>(() => CreateAsync("web"));
        var renameTaken = await Assert.ThrowsAsync<ContainerRuntimeException>(() => _store.RenameAsync(db, "web", CancellationToken.None));
        var invalid = await Assert.ThrowsAsync<ContainerRuntimeException>(() => _store.RenameAsync(db, "no/slashes", CancellationToken.None));
        Container renamed = await _store.RenameAsync(web, "front", CancellationToken.None);

        Assert.Equal("ContainerNameInUse", taken.ErrorId);
        Assert.Equal("ContainerNameInUse", renameTaken.ErrorId);
        Assert.Equal("InvalidContainerName", invalid.ErrorId);
        Assert.Equal((web.Id, "front"), (renamed.Id, renamed.Name));
        Assert.Null(_store.Find("web"));
        Assert.Equal(web.Id, _store.Find("front")!.Id);
        Container again = await CreateAsync("web"); // the old name is free
        Assert.NotEqual(web.Id, again.Id);
    }

    [Fact]
    public void ACreationThatDiedBeforeContainerJsonIsCollectedUnlessOneIsUnderWay()
    {
        string half = Directory.CreateDirectory(_store.DirectoryOf(ContainerNames.NewId())).FullName;
        File.WriteAllText(Path.Combine(half, Bundle.ConfigFile), "{}");

        using (FileLock.TryAcquire(Path.Combine(_dir.Path, "containers.lock"))!)
        {
            _store.CollectGarbage();
            Assert.True(Directory.Exists(half), "a creation holds the store lock until container.json is written");
        }

        _store.CollectGarbage();
        Assert.False(Directory.Exists(half));
    }

    [Fact]
    public async Task AnAbandonedRemovalIsFinishedAndOneUnderWayIsLeftAlone()
    {
        Container c = await CreateAsync("going");
        string removing = Path.Combine(_dir.Path, ContainerDirectory.RemovingPrefix + c.Id);
        Directory.Move(c.Directory, removing);

        using (FileLock.TryAcquire(Path.Combine(removing, Bundle.LockFile))!)
        {
            Assert.Equal(ContainerStatus.Removing, _store.List().Single().Status);
            _store.CollectGarbage();
            Assert.True(Directory.Exists(removing));
        }

        _store.CollectGarbage();
        Assert.False(Directory.Exists(removing));
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task AnExitedRemoveContainerWhoseMonitorDiedIsCollectedOnceNobodyWaitsForIt()
    {
        Container auto = await CreateAsync("auto", autoRemove: true);
        Container kept = await CreateAsync("kept");
        Container created = await CreateAsync("created", autoRemove: true);
        foreach (Container c in new[] { auto, kept })
        {
            new ExitStatus { ExitCode = 1, FinishedAt = DateTimeOffset.UtcNow }.WriteTo(c.Directory);
        }

        using (FileLock.TryAcquire(Path.Combine(auto.Directory, Bundle.WaitersLockFile), shared: true)!)
        {
            _store.CollectGarbage();
            Assert.True(Directory.Exists(auto.Directory), "a waiter reads the exit status first");
        }

        _store.CollectGarbage();
        Assert.False(Directory.Exists(auto.Directory));
        Assert.True(Directory.Exists(kept.Directory), "only --rm containers go by themselves");
        Assert.True(Directory.Exists(created.Directory), "a --rm container goes once it has exited, not before it ran");
    }

    [Fact]
    public async Task AContainerWhoseMonitorDiedWithoutARecordIsExitedWith137()
    {
        Container c = await CreateAsync("killed");
        // A shim.json naming a process that is not there any more (this test's own pid, another start time).
        ulong start = ProcessIdentity.Read(Environment.ProcessId)!.Value.StartTime;
        new ShimState { ShimPid = Environment.ProcessId, ShimStartTime = start + 1, Pid = Environment.ProcessId, PidStartTime = start + 1, StartedAt = DateTimeOffset.UtcNow }
            .WriteTo(c.Directory);

        Container read = _store.Reload(c)!;

        Assert.Equal((ContainerStatus.Exited, 137), (read.Status, read.ExitCode));
        Assert.Null(read.Pid);
        Assert.Contains("monitor", read.Error);
    }

    [Fact]
    public async Task ARunningContainerIsOneWhoseRecordedProcessIsAliveWithItsStartTime()
    {
        Container c = await CreateAsync("alive");
        ulong start = ProcessIdentity.Read(Environment.ProcessId)!.Value.StartTime;
        new ShimState { ShimPid = Environment.ProcessId, ShimStartTime = start, Pid = Environment.ProcessId, PidStartTime = start, StartedAt = DateTimeOffset.UtcNow }
            .WriteTo(c.Directory);

        Container read = _store.Reload(c)!;

        Assert.Equal(ContainerStatus.Running, read.Status);
        Assert.Equal(Environment.ProcessId, read.Pid);
        Assert.Equal(0, read.ExitCode);
    }

    [Fact]
    public async Task RemovingWithVolumesDeletesTheAnonymousOnesNoOtherContainerUses()
    {
        string outside = Directory.CreateDirectory(_dir.Combine("..", Path.GetFileName(_volumeDir.Path) + "-outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "precious"), "keep me");
        ContainerMount alone = Anonymous(), shared = Anonymous(), named = Volume("keep"), bind = new() { Type = ContainerMount.BindType, Source = outside, Destination = "/b" };
        File.WriteAllText(Path.Combine(alone.Source!, "file"), "data");
        File.CreateSymbolicLink(Path.Combine(alone.Source!, "escape"), outside);
        Container c = await CreateAsync("with-volumes", mounts: [alone, shared, named, bind]);
        await CreateAsync("other", mounts: [Volume(shared.Name!)]); // mounts c's anonymous volume by its name

        _store.Remove(c.Directory, removeVolumes: true);
        await _store.EmptyVolumeTrashAsync(CancellationToken.None);

        Assert.False(Directory.Exists(Path.Combine(_volumeDir.Path, alone.Name!)));
        Assert.True(Directory.Exists(shared.Source), "another container uses it");
        Assert.True(Directory.Exists(named.Source), "a named volume is never removed with a container");
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "precious")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_volumeDir.Path, VolumeStore.RemovingPrefix + "*"));
        Assert.Null(_store.Find("with-volumes"));
        Directory.Delete(outside, recursive: true);
    }

    [Fact]
    public async Task RemovingWithoutVolumesKeepsThemAll()
    {
        ContainerMount anonymous = Anonymous();
        Container c = await CreateAsync("plain", mounts: [anonymous]);
        File.WriteAllBytes(Path.Combine(c.Directory, ContainerStore.RemoveVolumesFile), []); // an older removal with -Volumes that stopped short

        _store.Remove(c.Directory, removeVolumes: false);
        await _store.EmptyVolumeTrashAsync(CancellationToken.None);

        Assert.True(Directory.Exists(anonymous.Source));
        Assert.False(Directory.Exists(c.Directory));
    }

    [Fact]
    public void AVolumeCreationCutShortLeavesNoVolumeAndIsCollectedOnceOld()
    {
        // What a kill -9 inside Ensure leaves: a staging directory, which no volume name can match.
        string recent = Path.Combine(_volumeDir.Path, ".new-recent");
        string old = Path.Combine(_volumeDir.Path, ".new-old");
        Directory.CreateDirectory(Path.Combine(recent, "_data"));
        Directory.CreateDirectory(Path.Combine(old, "_data"));
        Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        Assert.False(VolumeStore.IsValidName(".new-recent"));

        _store.CollectGarbage();

        Assert.True(Directory.Exists(recent), "a creation may still be at it");
        Assert.False(Directory.Exists(old));
        Assert.Equal(Path.Combine(_volumeDir.Path, "named", "_data"), _volumes.Ensure("named"));
        Assert.Equal([recent], Directory.EnumerateDirectories(_volumeDir.Path, ".new-*"));
    }

    [Fact]
    public async Task ARemovalWithVolumesCutShortIsFinishedByTheGarbageCollection()
    {
        ContainerMount anonymous = Anonymous();
        Container c = await CreateAsync("cut-short", mounts: [anonymous]);
        // What a kill -9 after the rename leaves: removing-<id>, saying its volumes go with it.
        File.WriteAllBytes(Path.Combine(c.Directory, ContainerStore.RemoveVolumesFile), []);
        string removing = Path.Combine(_dir.Path, ContainerDirectory.RemovingPrefix + c.Id);
        Directory.Move(c.Directory, removing);
        // ... and a volume renamed away whose deletion was cut short.
        string trashed = Path.Combine(_volumeDir.Path, VolumeStore.RemovingPrefix + "cut");
        Directory.CreateDirectory(Path.Combine(trashed, "_data", "deep"));

        using (FileLock.TryAcquire(Path.Combine(_volumeDir.Path, ".removing.lock"))!)
        {
            _store.CollectGarbage();
            Assert.True(Directory.Exists(trashed), "a removal deleting volumes right now is left to finish");
        }

        _store.CollectGarbage();
        Assert.False(Directory.Exists(removing));
        Assert.False(Directory.Exists(anonymous.Source));
        Assert.False(Directory.Exists(trashed));
    }

    [Fact]
    public async Task ANewContainersVolumesExistWhenItBecomesVisible()
    {
        ContainerMount named = Volume("renamed-away");
        Assert.True(_volumes.MoveToTrash("renamed-away")); // a removal that found it unused a moment ago

        await CreateAsync("late", mounts: [named]);

        Assert.True(Directory.Exists(named.Source));
    }

    private ContainerMount Anonymous() =>
        Volume(ContainerNames.NewId()) with { Anonymous = true };

    private ContainerMount Volume(string name) =>
        new() { Type = ContainerMount.VolumeType, Name = name, Source = _volumes.Ensure(name), Destination = "/" + name[..4] };

    private Task<Container> CreateAsync(string name, bool autoRemove = false, IReadOnlyList<ContainerMount>? mounts = null) =>
        _store.CreateAsync(
            new ContainerRecord { Id = ContainerNames.NewId(), Name = name, Image = "busybox", ImageId = "sha256:00", Command = ["true"], Created = DateTimeOffset.UtcNow, AutoRemove = autoRemove, Mounts = mounts },
            new RuntimeSpec { Process = new ProcessSpec { Args = ["true"] } },
            _ => [],
            CancellationToken.None);
}
