using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>
/// End to end, as root: ContainerLauncher -> psc-shim (both stages) -> busybox in an overlay root filesystem.
/// See <see cref="ShimFixture"/> for where the shim comes from.
/// </summary>
[Collection(ShimCollection.Name)]
public sealed class ContainerLauncherTests : IDisposable
{
    private readonly TestContainer _container;

    public ContainerLauncherTests(ShimFixture shim)
    {
        _container = new TestContainer(shim);
    }

    public void Dispose() => _container.Dispose();

    [Fact]
    public async Task PayloadIsPidOneOfItsOwnNamespace()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "echo $$");

        Assert.Equal("1\n", result.Stdout);
        Assert.Equal(0, result.Status.ExitCode);
        Assert.Null(result.Status.Signal);
        Assert.Null(result.Status.Error);
    }

    [Fact]
    public async Task ProcShowsOnlyTheContainersProcesses()
    {
        RunResult result = await _container.RunAsync("ls", "/proc");

        string[] pids = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(e => e.All(char.IsAsciiDigit)).ToArray();
        Assert.Equal(["1"], pids);
    }

    [Fact]
    public async Task HostnameIsTheConfigsNotTheHosts()
    {
        RunResult result = await _container.RunAsync("hostname");

        Assert.Equal(TestContainer.Hostname + "\n", result.Stdout);
        Assert.NotEqual(TestContainer.Hostname, Environment.MachineName);
    }

    [Fact]
    public async Task StdoutAndStderrArriveSeparately()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "echo to-out; echo to-err >&2; echo more-out");

        Assert.Equal("to-out\nmore-out\n", result.Stdout);
        Assert.Equal("to-err\n", result.Stderr);
    }

    [Fact]
    public async Task StdinReachesTheContainerAndClosingItIsEndOfFile()
    {
        RunResult result = await _container.RunAsync(_container.Spec("cat"), stdin: "hello\nworld\n");

        Assert.Equal("hello\nworld\n", result.Stdout);
        Assert.Equal(0, result.Status.ExitCode);
    }

    [Fact]
    public async Task ExitCodeIsTheContainers()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "exit 3");

        Assert.Equal(3, result.Status.ExitCode);
        Assert.Null(result.Status.Signal);
    }

    [Fact]
    public async Task KilledBySignalIs128PlusTheSignal()
    {
        using RunningContainer container = await _container.StartAsync(_container.Spec("sleep", "60"));

        container.Kill();
        ExitStatus status = await container.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(137, status.ExitCode);
        Assert.Equal(9, status.Signal);
    }

    /// <summary>
    /// The payload is PID 1 of its namespace, and the kernel drops signals that a namespace's init has no
    /// handler for when they come from inside the namespace, SIGKILL included: `sh -c 'kill -9 $$'` survives,
    /// as it does under docker and runc. (A SIGKILL from outside works: see the test above.)
    /// </summary>
    [Fact]
    public async Task InitIgnoresSigkillFromInsideItsNamespace()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "kill -9 $$; echo survived");

        Assert.Equal("survived\n", result.Stdout);
        Assert.Equal(0, result.Status.ExitCode);
    }

    [Fact]
    public async Task SigtermToTheShimIsForwardedToTheContainer()
    {
        RuntimeSpec spec = _container.Spec("sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done");
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
    public async Task MissingCommandIs127()
    {
        RunResult result = await _container.RunAsync("no-such-command");

        Assert.Equal(ShimExitCodes.NotFound, result.Status.ExitCode);
        Assert.Contains("no-such-command", result.Status.Error);
        Assert.StartsWith("psc-shim: ", result.Stderr);
    }

    [Fact]
    public async Task NonExecutableFileIs126()
    {
        RunResult byPath = await _container.RunAsync("/bin/notexec");
        RunResult bySearch = await _container.RunAsync("notexec");

        Assert.Equal(ShimExitCodes.CannotExecute, byPath.Status.ExitCode);
        Assert.Equal(ShimExitCodes.CannotExecute, bySearch.Status.ExitCode);
        Assert.Contains("permission denied", byPath.Status.Error);
    }

    [Fact]
    public async Task RuntimeFailureIs125()
    {
        RuntimeSpec spec = _container.Spec("true") with { Root = new RootSpec { Path = "no-such-rootfs-dir" } };
        Bundle.Create(_container.BundleDirectory, spec, []);
        Directory.Delete(Path.Combine(_container.BundleDirectory, "no-such-rootfs-dir"));
        using RunningContainer container = await new ContainerLauncher(_container.Shim.ShimPath).StartAsync(_container.BundleDirectory, LaunchOptions.Attached, CancellationToken.None);
        Task<string> stderr = new StreamReader(container.StandardError).ReadToEndAsync();

        ExitStatus status = await container.WaitForExitAsync();

        Assert.Equal(ShimExitCodes.RuntimeFailure, status.ExitCode);
        Assert.Contains("no-such-rootfs-dir", status.Error);
        Assert.StartsWith("psc-shim: ", await stderr);
    }

    [Fact]
    public async Task ConfigWithoutAMountNamespaceIsRefused()
    {
        RuntimeSpec spec = _container.Spec("true");
        spec = spec with { Linux = new LinuxSpec { Namespaces = [new() { Type = "pid" }] } };

        RunResult result = await _container.RunAsync(spec);

        Assert.Equal(ShimExitCodes.RuntimeFailure, result.Status.ExitCode);
        Assert.Contains("mount namespace is required", result.Status.Error);
    }

    [Fact]
    public async Task LoopbackIsTheOnlyInterfaceAndIsUp()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/flags; grep -c : /proc/net/dev");

        // 0x9 = IFF_UP | IFF_LOOPBACK; /proc/net/dev has one line per interface (its header has no colon).
        Assert.Equal("lo\n0x9\n1\n", result.Stdout);
    }

    [Fact]
    public async Task WritesLandInUpperAndNothingIsLeftMountedOnTheHost()
    {
        string[] before = File.ReadAllLines("/proc/self/mountinfo");

        RunResult result = await _container.RunAsync("sh", "-c", "echo data > /created; echo more > /bin/added");

        string[] after = File.ReadAllLines("/proc/self/mountinfo");
        Assert.Equal(0, result.Status.ExitCode);
        Assert.Equal(before, after);
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(_container.Upper, "created")));
        Assert.True(File.Exists(Path.Combine(_container.Upper, "bin", "added")));
        Assert.False(File.Exists(Path.Combine(_container.Lower, "created")));
        Assert.False(File.Exists(Path.Combine(_container.Lower, "bin", "added")));
    }

    [Fact]
    public async Task OnlyStdioReachesThePayloadAndNoSignalIsIgnoredOrBlocked()
    {
        RunResult fds = await _container.RunAsync("ls", "/proc/self/fd");
        RunResult status = await _container.RunAsync("grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status");

        // ls itself holds 3, the directory it is listing.
        Assert.Equal("0\n1\n2\n3\n", fds.Stdout);
        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", status.Stdout);
    }

    [Fact]
    public async Task DevHasTheDefaultNodesAndLinks()
    {
        RunResult result = await _container.RunAsync("sh", "-c",
            "ls /dev; echo; ls -l /dev/null /dev/tty | cut -c1-10; readlink /dev/fd; readlink /dev/ptmx; echo x > /dev/null; head -c 4 /dev/zero | wc -c");

        string[] entries = result.Stdout.Split("\n\n")[0].Split('\n');
        Assert.Equal(["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"], entries);
        Assert.EndsWith("\ncrw-rw-rw-\ncrw-rw-rw-\n/proc/self/fd\npts/ptmx\n4\n", result.Stdout);
    }

    [Fact]
    public async Task UserEnvironmentAndWorkingDirectoryComeFromTheConfig()
    {
        RuntimeSpec spec = _container.Spec("sh", "-c", "id -u; id -g; pwd; echo $GREETING");
        spec = spec with
        {
            Process = spec.Process with
            {
                User = new UserSpec { Uid = 1000, Gid = 1001 },
                Env = ["PATH=/bin", "GREETING=hello"],
                Cwd = "/home/user/work",
            },
        };

        RunResult result = await _container.RunAsync(spec);

        Assert.Equal("1000\n1001\n/home/user/work\nhello\n", result.Stdout);
    }

    [Fact]
    public async Task ShimAndExitRecordsAreWritten()
    {
        using RunningContainer container = await _container.StartAsync(_container.Spec("sh", "-c", "exit 7"));
        ExitStatus status = await container.WaitForExitAsync();

        ShimState? state = ShimState.ReadFrom(_container.BundleDirectory);
        Assert.NotNull(state);
        Assert.Equal(container.ShimProcessId, state.ShimPid);
        Assert.True(state.Pid > 0 && state.Pid != state.ShimPid);
        Assert.Equal(7, status.ExitCode);
        Assert.Equal(status, ExitStatus.ReadFrom(_container.BundleDirectory));
        Assert.True(status.FinishedAt >= state.StartedAt);
    }

    [Fact]
    public async Task PreparedLaunchRunsTheBundleWrittenAfterItsShimStarted()
    {
        using PreparedLaunch launch = new ContainerLauncher(_container.Shim.ShimPath).Prepare(_container.BundleDirectory, LaunchOptions.Attached);
        int shimPid = launch.ShimProcessId;
        Assert.False(Directory.Exists(_container.BundleDirectory));
        Bundle.Create(_container.BundleDirectory, _container.Spec("sh", "-c", "read line; echo got $line; exit 4"), [_container.Overlay]);

        using RunningContainer container = await launch.StartAsync(CancellationToken.None);
        await container.StandardInput.WriteAsync("input\n"u8.ToArray());
        await container.StandardInput.DisposeAsync();
        string stdout = await new StreamReader(container.StandardOutput).ReadToEndAsync();
        ExitStatus status = await container.WaitForExitAsync();
        await container.WaitForShimExitAsync();

        Assert.True(container.Started);
        Assert.Equal(shimPid, container.ShimProcessId);
        Assert.Equal("got input\n", stdout); // "go" on the shim's stdin is not part of the container's input
        Assert.Equal(4, status.ExitCode);
        Assert.Equal(shimPid, ShimState.ReadFrom(_container.BundleDirectory)?.ShimPid);
        Assert.Throws<InvalidOperationException>(() => launch.StartAsync(CancellationToken.None).GetAwaiter().GetResult());
    }

    [Fact]
    public void PreparedLaunchDisposedUnusedLeavesNoProcessAndNoFiles()
    {
        PreparedLaunch launch = new ContainerLauncher(_container.Shim.ShimPath).Prepare(_container.BundleDirectory, LaunchOptions.Attached);
        int shimPid = launch.ShimProcessId;
        Assert.True(shimPid > 0);

        launch.Dispose();

        Assert.False(Directory.Exists($"/proc/{shimPid}"), "the shim exits (and is reaped) when it is not told to go");
        Assert.False(Directory.Exists(_container.BundleDirectory));
        Assert.Equal(["lower", "upper", "work"], Directory.GetFileSystemEntries(_container.Root).Select(p => Path.GetFileName(p)).Order().ToArray());
    }

    [Fact]
    public async Task ConfigBindMountsAreMountedAndReadOnlyStaysOnTheBind()
    {
        string shared = Directory.CreateDirectory(Path.Combine(_container.Root, "shared")).FullName;
        File.WriteAllText(Path.Combine(shared, "note"), "from host\n");
        RuntimeSpec spec = _container.Spec("sh", "-c", "cat /data/note; echo x > /data/new || echo ro-refused; echo y > /rootfs-still-writable && echo rw-ok");
        spec = spec with { Mounts = [new MountSpec { Destination = "/data", Type = "bind", Source = shared, Options = ["rbind", "ro"] }] };

        RunResult result = await _container.RunAsync(spec);

        Assert.Equal("from host\nro-refused\nrw-ok\n", result.Stdout);
        Assert.False(File.Exists(Path.Combine(shared, "new")));
    }

    [Fact]
    public async Task ReadonlyRootRefusesWrites()
    {
        RuntimeSpec spec = _container.Spec("sh", "-c", "pwd; echo x > /file || echo refused; echo y > /dev/shm/ok && echo shm-ok");
        spec = spec with { Root = new RootSpec { Path = "rootfs", Readonly = true }, Process = spec.Process with { Cwd = "/new/dir" } };

        RunResult result = await _container.RunAsync(spec);

        Assert.Equal("/new/dir\nrefused\nshm-ok\n", result.Stdout);
    }

    /// <summary>An image whose /dev is a symlink climbing out of the rootfs gets its /dev inside the rootfs anyway.</summary>
    [Fact]
    public async Task SymlinkedMountPointCannotEscapeTheRootfs()
    {
        string outside = Directory.CreateDirectory(Path.Combine(_container.Root, "outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(_container.Lower, "dev"), "../../../../../../../../" + outside.TrimStart('/'));

        RunResult result = await _container.RunAsync("ls", "/dev/null");

        Assert.True(result.Status.ExitCode == 0, result.Stderr + result.Status.Error);
        Assert.Equal("/dev/null\n", result.Stdout);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task PlainDirectoryRootfsWorksWithoutSnapshotMounts()
    {
        RuntimeSpec spec = _container.Spec("sh", "-c", "echo $$; ls /bin/busybox") with { Root = new RootSpec { Path = _container.Lower } };
        Bundle.Create(_container.BundleDirectory, spec, []);
        using RunningContainer container = await new ContainerLauncher(_container.Shim.ShimPath).StartAsync(_container.BundleDirectory, LaunchOptions.Attached, CancellationToken.None);
        container.StandardInput.Dispose();
        string stdout = await new StreamReader(container.StandardOutput).ReadToEndAsync();

        ExitStatus status = await container.WaitForExitAsync();

        Assert.True(status.ExitCode == 0, status.Error + stdout);
        Assert.Equal("1\n/bin/busybox\n", stdout);
    }
}
