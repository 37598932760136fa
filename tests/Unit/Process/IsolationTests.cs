using System.Text.Json;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>
/// The hardening psc-shim applies from config.json, end to end as root, each asserted from inside the container:
/// capabilities, masked and read-only paths, seccomp, rlimits, the cgroup (and its namespace), the minimal init.
/// </summary>
[Collection(ShimCollection.Name)]
public sealed class IsolationTests : IDisposable
{
    private static readonly IReadOnlyList<string> Docker = SpecBuilder.DefaultCapabilities;
    private readonly TestContainer _container;

    public IsolationTests(ShimFixture shim)
    {
        _container = new TestContainer(shim);
    }

    public void Dispose() => _container.Dispose();

    private RuntimeSpec Spec(params string[] args)
    {
        RuntimeSpec spec = _container.Spec(args);
        return spec with
        {
            Process = spec.Process with
            {
                Capabilities = new CapabilitiesSpec { Bounding = Docker, Effective = Docker, Permitted = Docker, Inheritable = [], Ambient = [] },
                NoNewPrivileges = true,
            },
        };
    }

    [Fact]
    public void RootHasExactlyDockersCapabilitiesInEverySetButInheritableAndAmbient()
    {
        RunResult result = await(Spec("grep", "^Cap", "/proc/self/status"));

        Assert.Equal("CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n", result.Stdout);
    }

    [Fact]
    public void AnotherUserKeepsTheBoundingSetOnlyUnlessCapabilitiesAreAmbient()
    {
        RuntimeSpec plain = Spec("grep", "-E", "^Cap(Eff|Bnd|Amb)", "/proc/self/status");
        plain = plain with { Process = plain.Process with { User = new UserSpec { Uid = 1000, Gid = 1000 } } };
        string[] ambient = ["CAP_NET_BIND_SERVICE"];
        RuntimeSpec withAmbient = plain with
        {
            Process = plain.Process with { Capabilities = plain.Process.Capabilities! with { Inheritable = ambient, Ambient = ambient } },
        };

        RunResult a = await(plain);
        RunResult b = await(withAmbient);

        Assert.Equal("CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n", a.Stdout);
        Assert.Equal("CapEff:\t0000000000000400\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000400\n", b.Stdout);
    }

    [Fact]
    public void WithoutCapSysAdminNeitherMountNorUnshareWork()
    {
        RunResult result = await(Spec("sh", "-c", "mount -t tmpfs none /bin && echo mounted; unshare -m true && echo unshared; true"));

        Assert.Equal("", result.Stdout);
        Assert.Contains("Operation not permitted", result.Stderr);
    }

    [Fact]
    public void MaskedPathsAreEmptyAndReadonlyPathsRefuseWrites()
    {
        RuntimeSpec spec = Spec("sh", "-c", "cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo x > /proc/sys/kernel/hostname || echo refused; hostname");
        spec = spec with { Linux = spec.Linux with { MaskedPaths = ["/proc/keys", "/sys/firmware", "/proc/not-there"], ReadonlyPaths = ["/proc/sys", "/proc/not-there-either"] } };

        RunResult result = await(spec);

        Assert.True(File.Exists("/proc/keys") && Directory.EnumerateFileSystemEntries("/sys/firmware").Any(), "the host has what is masked");
        Assert.Equal("0\n0\nrefused\n" + TestContainer.Hostname + "\n", result.Stdout);
        Assert.Equal(0, result.Status.ExitCode);
    }

    [Fact]
    public void SeccompRulesFromTheConfigAreEnforced()
    {
        RuntimeSpec spec = Spec("sh", "-c", "mkdir /made || echo mkdir refused; touch /touched && echo touched");
        spec = spec with { Linux = spec.Linux with { Seccomp = BlockingRule("mkdir", "mkdirat") } };

        RunResult result = await(spec);

        Assert.Equal("mkdir refused\ntouched\n", result.Stdout);
        Assert.Contains("Operation not permitted", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_container.Upper, "made")));
    }

    /// <summary>init.bin is used when it was prepared from exactly this config.json, and ignored when not.</summary>
    [Fact]
    public async Task APreparedBundleIsUsedOnlyForTheConfigItWasMadeFrom()
    {
        RuntimeSpec blocksMkdir = Spec("sh", "-c", "mkdir /d && echo made; rmdir /d && echo removed");
        blocksMkdir = blocksMkdir with { Linux = blocksMkdir.Linux with { Seccomp = BlockingRule("mkdir", "mkdirat") } };
        RuntimeSpec blocksRmdir = blocksMkdir with { Linux = blocksMkdir.Linux with { Seccomp = BlockingRule("rmdir", "unlinkat") } };

        // init.bin made for the rmdir filter, beside the mkdir filter's config.json (the JSON bytes it starts with
        // swapped for config.json's): the shim must run what init.bin holds.
        Bundle.Create(_container.BundleDirectory, blocksRmdir, [_container.Overlay]);
        string prepared = Path.Combine(_container.BundleDirectory, PreparedBundle.FileName);
        byte[] file = File.ReadAllBytes(prepared);
        byte[] rmdirConfig = File.ReadAllBytes(Path.Combine(_container.BundleDirectory, Bundle.ConfigFile));
        Bundle.Create(_container.BundleDirectory, blocksMkdir, [_container.Overlay]);
        byte[] mkdirConfig = File.ReadAllBytes(Path.Combine(_container.BundleDirectory, Bundle.ConfigFile));
        File.WriteAllBytes(prepared, [.. file.AsSpan(0, 4), .. BitConverter.GetBytes(mkdirConfig.Length), .. mkdirConfig, .. file.AsSpan(8 + rmdirConfig.Length)]);
        RunResult fromPrepared = await _container.RunPreparedAsync();

        // config.json edited afterwards (its filter differs in one number): read and compiled afresh, so mkdir is
        // refused; init.bin's program would have let it through.
        RuntimeSpec changed = Spec("sh", "-c", "mkdir /e && echo made");
        changed = changed with { Linux = changed.Linux with { Seccomp = BlockingRule("mkdir", "mkdirat") with { DefaultErrnoRet = 5 } } };
        File.WriteAllBytes(Path.Combine(_container.BundleDirectory, Bundle.ConfigFile), JsonSerializer.SerializeToUtf8Bytes(changed, SpecJsonContext.Default.RuntimeSpec));
        RunResult fresh = await _container.RunPreparedAsync();

        Assert.Equal("made\n", fromPrepared.Stdout);
        Assert.Equal("", fresh.Stdout);
        Assert.Contains("Operation not permitted", fresh.Stderr);
    }

    [Fact]
    public void RlimitsFromTheConfigAreSet()
    {
        RuntimeSpec spec = Spec("sh", "-c", "ulimit -n; ulimit -Hn");
        spec = spec with { Process = spec.Process with { Rlimits = [new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = 64, Hard = 128 }] } };

        Assert.Equal("64\n128\n", (await(spec)).Stdout);
    }

    [Fact]
    public void TheContainerGetsItsOwnCgroupWithItsLimitsAndItIsRemovedAtTheEnd()
    {
        RuntimeSpec spec = Spec("sh", "-c", "cat /proc/self/cgroup | grep -E '^[0-9]+:(pids|memory):'; cat /sys/fs/cgroup/pids/pids.max");
        spec = spec with
        {
            Mounts = [new MountSpec { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "nodev", "noexec"] }],
            Linux = spec.Linux with
            {
                Namespaces = [.. spec.Linux.Namespaces, new NamespaceSpec { Type = "cgroup" }],
                CgroupsPath = "psc-test-" + Guid.NewGuid().ToString("N"),
                Resources = new ResourcesSpec { Pids = new PidsResources { Limit = 7 } },
            },
        };

        RunResult result = await(spec);
        CgroupState? state = CgroupState.ReadFrom(_container.BundleDirectory);

        Assert.True(result.Status.ExitCode == 0, result.Stderr + result.Status.Error);
        Assert.Matches(@"^\d+:pids:/\n\d+:memory:/\n7\n$", result.Stdout); // its own cgroup is the root of its cgroup namespace
        Assert.NotNull(state);
        Assert.Contains(state.Directories, d => d.Has("pids") && d.Path.EndsWith(spec.Linux.CgroupsPath, StringComparison.Ordinal));
        Assert.All(state.Directories, d => Assert.False(Directory.Exists(d.Path), d.Path + " is left behind"));
    }

    [Fact]
    public void GoingOverTheMemoryLimitIsAnOomKillAndIsRecorded()
    {
        RuntimeSpec spec = Spec("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
        spec = spec with
        {
            Linux = spec.Linux with
            {
                CgroupsPath = "psc-test-" + Guid.NewGuid().ToString("N"),
                Resources = new ResourcesSpec { Memory = new MemoryResources { Limit = 16 << 20 } },
            },
        };

        RunResult result = await(spec);

        Assert.Equal(137, result.Status.ExitCode);
        Assert.Equal(9, result.Status.Signal);
        Assert.True(result.Status.OOMKilled);
        Assert.True(ExitStatus.ReadFrom(_container.BundleDirectory)!.OOMKilled);
    }

    [Fact]
    public void AsInitTheShimIsPidOneReapsOrphansAndTheCommandsCodeIsTheContainers()
    {
        RuntimeSpec spec = Spec("sh", "-c", "(sleep 0.1 &); sleep 0.5; echo $$; cat /proc/1/comm; grep -l '^State:.Z' /proc/[0-9]*/status | wc -l; exit 5");
        spec = spec with { Annotations = new Dictionary<string, string> { [SpecBuilder.InitAnnotation] = "true" } };

        RunResult result = await(spec);
        string[] lines = result.Stdout.Split('\n');

        Assert.NotEqual("1", lines[0]);
        Assert.Equal("psc-shim", lines[1]);
        Assert.Equal("0", lines[2].Trim()); // the orphaned sleep was reaped by the init, not left a zombie
        Assert.Equal(5, result.Status.ExitCode);
    }

    /// <summary>The command the init starts gets what an exec'd one gets: no ignored or blocked signal.</summary>
    [Fact]
    public void AsInitTheCommandStartsWithACleanSignalState()
    {
        RuntimeSpec spec = Spec("grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status");
        spec = spec with { Annotations = new Dictionary<string, string> { [SpecBuilder.InitAnnotation] = "true" } };

        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", (await(spec)).Stdout);
    }

    [Fact]
    public async Task AsInitTheShimForwardsSignalsToTheCommand()
    {
        RuntimeSpec spec = Spec("sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done");
        spec = spec with { Annotations = new Dictionary<string, string> { [SpecBuilder.InitAnnotation] = "true" } };
        using RunningContainer container = await _container.StartAsync(spec);
        StreamReader stdout = new(container.StandardOutput);
        Assert.Equal("ready", await stdout.ReadLineAsync());

        Signals.Send(container.ShimProcessId, Signals.SIGTERM);
        string rest = await stdout.ReadToEndAsync();
        ExitStatus status = await container.WaitForExitAsync();

        Assert.Equal("got TERM\n", rest);
        Assert.Equal(42, status.ExitCode);
    }

    [Fact]
    public void AnEmptyVolumeMarkedCopyupGetsTheImagesContentFirst()
    {
        string volume = Directory.CreateDirectory(Path.Combine(_container.Root, "volume")).FullName;
        RuntimeSpec spec = Spec("sh", "-c", "ls /bin | wc -l; echo new > /bin/added");
        spec = spec with { Mounts = [new MountSpec { Destination = "/bin", Type = "bind", Source = volume, Options = ["rbind", SpecBuilder.CopyUpOption] }] };

        RunResult result = await(spec);

        Assert.Equal(Directory.GetFileSystemEntries(Path.Combine(_container.Lower, "bin")).Length + "\n", result.Stdout);
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(volume, "added")));
        Assert.True(File.Exists(Path.Combine(volume, "busybox")));
        Assert.Equal(new DirectoryInfo(Path.Combine(_container.Lower, "bin")).UnixFileMode, new DirectoryInfo(volume).UnixFileMode);
    }

    [Fact]
    public void TheShimRunsFromASealedCopyNotTheFileOnDisk()
    {
        RuntimeSpec spec = Spec("sh", "-c", "readlink /proc/1/exe; cat /proc/1/comm");
        spec = spec with { Annotations = new Dictionary<string, string> { [SpecBuilder.InitAnnotation] = "true" } };
        string path = SealedShim.PathFor(_container.Shim.ShimPath);

        RunResult result = await(spec);

        Assert.Equal("/memfd:psc-shim (deleted)\npsc-shim\n", result.Stdout);
        using (FileStream copy = new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1))
        {
            Assert.Throws<UnauthorizedAccessException>(() => copy.Write("#!"u8)); // EPERM: F_SEAL_WRITE
        }

        Assert.Equal(File.ReadAllBytes(_container.Shim.ShimPath), File.ReadAllBytes(path));
    }

    /// <summary>
    /// runc's CVE-2024-21626: a host directory descriptor leaked into the init, named as the working directory
    /// through /proc/self/fd, would put the payload's cwd outside the container. No descriptor leaks that far here.
    /// </summary>
    [Fact]
    public unsafe void AWorkingDirectoryOutsideTheContainersRootIsRefused()
    {
        int leaked;
        fixed (byte* tmp = "/tmp\0"u8)
        {
            leaked = Tmds.Linux.LibC.open(tmp, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_DIRECTORY); // inheritable on purpose
        }

        Assert.True(leaked > 2);
        try
        {
            RuntimeSpec spec = Spec("pwd");
            spec = spec with { Process = spec.Process with { Cwd = "/proc/self/fd/" + leaked } };

            RunResult result = await(spec);

            Assert.Equal(ShimExitCodes.RuntimeFailure, result.Status.ExitCode);
            // Stage 1 closes every inherited descriptor above 2 first, so the leaked one never reaches the container,
            // and the cwd through it cannot even be made (runc's getcwd check stays behind that, in RootFs).
            Assert.Contains("mkdir /proc/self/fd/" + leaked, result.Status.Error);
            Assert.Contains("no such file or directory", result.Status.Error);
            Assert.Equal("", result.Stdout);
        }
        finally
        {
            Tmds.Linux.LibC.close(leaked);
        }
    }

    /// <summary>Namespaces with a path are joined, not created: here this test process's own UTS and network ones.</summary>
    [Fact]
    public void NamespacesNamedByPathAreJoined()
    {
        string self = "/proc/" + Environment.ProcessId + "/ns/";
        RuntimeSpec spec = Spec("sh", "-c", "hostname; ls /sys/class/net");
        spec = spec with
        {
            Linux = spec.Linux with
            {
                Namespaces = [new() { Type = "pid" }, new() { Type = "mount" }, new() { Type = "ipc" }, new() { Type = "uts", Path = self + "uts" }, new() { Type = "network", Path = self + "net" }],
            },
        };

        RunResult result = await(spec);

        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.Status.ExitCode == 0, result.Stderr + result.Status.Error);
        Assert.Equal(System.Net.Dns.GetHostName(), lines[0]); // joined, so the config's hostname was not set on the host's
        Assert.Equal(Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).Order(), lines[1..].Order());
        Assert.Equal(System.Net.Dns.GetHostName(), Environment.MachineName);
    }

    private static SeccompSpec BlockingRule(params string[] names) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Syscalls = [new SeccompSyscall { Names = names, Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
    };

    private RunResult await(RuntimeSpec spec) => _container.RunAsync(spec).GetAwaiter().GetResult();
}
