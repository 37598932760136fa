using System.Diagnostics;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using Xunit;
using OsProcess = System.Diagnostics.Process;

namespace PSContainer.Tests.Linux;

/// <summary>
/// Real cgroups, nested under this test process's own (as psc-shim nests a container's under its caller's), with
/// busybox processes moved into them. Root only, as the shim's tests are.
/// </summary>
public sealed class CgroupTests : IDisposable
{
    private readonly List<OsProcess> _processes = [];
    private readonly Cgroup _cgroup;

    public CgroupTests()
    {
        Assert.True(Environment.IsPrivilegedProcess, "cgroup tests need root");
        _cgroup = Cgroup.Plan("psc-test-" + Guid.NewGuid().ToString("N"), CgroupHierarchy.Mounted(), File.ReadAllLines("/proc/self/cgroup"));
    }

    public void Dispose()
    {
        foreach (OsProcess process in _processes)
        {
            try
            {
                process.Kill();
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        if (_cgroup.Directories.All(d => Directory.Exists(d.Path)))
        {
            _cgroup.Thaw(); // a failed test must not leave frozen processes behind
        }

        _cgroup.Remove(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void APlacedProcessIsListedFrozenThawedAndTheCgroupGoesAwayAfterIt()
    {
        _cgroup.Create(null);
        OsProcess sleeper = Start("sleep", "60");

        _cgroup.Join(sleeper.Id);
        string procCgroup = File.ReadAllText($"/proc/{sleeper.Id}/cgroup");
        IReadOnlyList<int> listed = _cgroup.Processes();
        _cgroup.Freeze();
        bool frozen = _cgroup.IsFrozen;
        char frozenState = ProcStat.TryRead(sleeper.Id)!.State;
        _cgroup.Thaw();
        // Thawed, the sleeper is woken and runs for a moment ('R') before it sleeps again: wait for that, a frozen
        // task would stay 'D'.
        char thawedState = ProcStat.TryRead(sleeper.Id)!.State;
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); thawedState != 'S' && watch.Elapsed < TimeSpan.FromSeconds(5); Thread.Sleep(10))
        {
            thawedState = ProcStat.TryRead(sleeper.Id)!.State;
        }
        _cgroup.KillAll();
        sleeper.WaitForExit();
        bool removed = _cgroup.Remove(TimeSpan.FromSeconds(5));

        Assert.All(_cgroup.Directories, d => Assert.Contains(Path.GetFileName(d.Path), procCgroup));
        Assert.Equal([sleeper.Id], listed);
        Assert.True(frozen);
        Assert.Equal('D', frozenState);
        Assert.Equal('S', thawedState);
        Assert.True(removed);
        Assert.All(_cgroup.Directories, d => Assert.False(Directory.Exists(d.Path), d.Path));
    }

    [Fact]
    public void LimitsAndTheDeviceAllowListAreWrittenToTheControllers()
    {
        ResourcesSpec resources = new()
        {
            Memory = new MemoryResources { Limit = 64 << 20, Swap = 128 << 20 },
            Cpu = new CpuResources { Quota = 50_000, Period = 100_000 },
            Pids = new PidsResources { Limit = 5 },
            Devices = PSContainer.Runtime.Containers.SpecBuilder.DefaultDeviceRules,
        };

        _cgroup.Create(resources);

        Assert.Equal("67108864", Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("50000", Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", Read("cpu", "cpu.cfs_period_us"));
        Assert.Equal("5", Read("pids", "pids.max"));
        string[] devices = Read("devices", "devices.list").Split('\n');
        Assert.DoesNotContain("a *:* rwm", devices);
        Assert.Contains("c 1:3 rwm", devices);
        Assert.Contains("c 136:* rwm", devices);
        Assert.DoesNotContain(devices, d => d.StartsWith("b 8:", StringComparison.Ordinal));
    }

    [Fact]
    public void TheOomKillerIsCountedWhenAProcessGoesOverTheMemoryLimit()
    {
        _cgroup.Create(new ResourcesSpec { Memory = new MemoryResources { Limit = 16 << 20 } });
        // The process waits for a line on stdin, so that it is in the cgroup before it allocates.
        OsProcess hog = Start("sh", "-c", "read go; exec dd if=/dev/zero of=/dev/null bs=64M count=1");
        _cgroup.Join(hog.Id);

        hog.StandardInput.WriteLine("go");
        hog.WaitForExit();

        Assert.Equal(137, hog.ExitCode);
        Assert.True(_cgroup.OomKills() >= 1);
    }

    /// <summary>cgroup v2 on its own (this machine mounts it beside v1): the core freezer and cgroup.kill.</summary>
    [Fact]
    public void TheUnifiedHierarchyFreezesAndKillsByItself()
    {
        CgroupDirectory unified = _cgroup.UnifiedDirectory ?? throw new InvalidOperationException("cgroup2 is not mounted");
        Cgroup v2 = new([unified]);
        v2.Create(null);
        OsProcess sleeper = Start("sleep", "60");
        v2.Join(sleeper.Id);

        v2.Freeze();
        string frozenEvents = File.ReadAllText(unified.Path + "/cgroup.events");
        v2.Thaw();
        v2.KillAll();
        sleeper.WaitForExit();

        Assert.Contains("frozen 1", frozenEvents);
        Assert.Equal(137, sleeper.ExitCode);
        Assert.True(v2.Remove(TimeSpan.FromSeconds(5)));
    }

    private string Read(string controller, string file) =>
        File.ReadAllText(_cgroup.Directories.Single(d => d.Has(controller)).Path + "/" + file).Trim();

    private OsProcess Start(params string[] args)
    {
        ProcessStartInfo info = new("/bin/busybox") { RedirectStandardInput = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        OsProcess process = OsProcess.Start(info)!;
        _processes.Add(process);
        return process;
    }
}
