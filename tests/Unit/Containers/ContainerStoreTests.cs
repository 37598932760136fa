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
    private readonly ContainerStore _store;

    public ContainerStoreTests()
    {
        _store = new ContainerStore(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

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

    private Task<Container> CreateAsync(string name, bool autoRemove = false) =>
        _store.CreateAsync(
            new ContainerRecord { Id = ContainerNames.NewId(), Name = name, Image = "busybox", ImageId = "sha256:00", Command = ["true"], Created = DateTimeOffset.UtcNow, AutoRemove = autoRemove },
            new RuntimeSpec { Process = new ProcessSpec { Args = ["true"] } },
            _ => [],
            CancellationToken.None);
}
