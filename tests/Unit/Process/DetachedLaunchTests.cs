using System.Globalization;
using System.Text.Json;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>
/// psc-shim's stage 1 as the owner of the container's output and, detached, as a process of its own: the log it
/// writes, the "started" handshake, letting go of the engine's pipes, --remove.
/// </summary>
[Collection(ShimCollection.Name)]
public sealed class DetachedLaunchTests : IDisposable
{
    private static readonly LaunchOptions Detached = new() { Detach = true };
    private readonly TestContainer _container;

    public DetachedLaunchTests(ShimFixture shim)
    {
        _container = new TestContainer(shim);
    }

    public void Dispose() => _container.Dispose();

    private string LogPath => Path.Combine(_container.BundleDirectory, Bundle.LogFile);

    [Fact]
    public async Task AnAttachedRunIsLoggedWithItsStreamsApartAndStillRelayed()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "echo out1; echo err1 >&2; echo out2");

        Assert.Equal("out1\nout2\n", result.Stdout);
        Assert.Equal("err1\n", result.Stderr);
        var records = ReadLog();
        Assert.Equal([("out1\n", "stdout"), ("out2\n", "stdout")], records.Where(r => r.Stream == "stdout"));
        Assert.Equal([("err1\n", "stderr")], records.Where(r => r.Stream == "stderr"));
    }

    [Fact]
    public async Task OutputWithoutAFinalNewlineAndLongLinesReachTheLogWhole()
    {
        RunResult result = await _container.RunAsync("sh", "-c", "head -c 40000 /dev/zero | tr '\\0' x; echo; printf tail");

        string expected = new string('x', 40000) + "\ntail";
        Assert.Equal(expected, result.Stdout);
        Assert.Equal(expected, string.Concat(ReadLog().Select(r => r.Log)));
        Assert.True(ReadLog().Count >= 4, "a 40000-byte line is cut into 16 KiB records");
    }

    [Fact]
    public async Task DetachedTheShimReturnsOnceTheCommandRunsAndHoldsNothingOfTheCaller()
    {
        using RunningContainer container = await _container.StartAsync(_container.Spec("sh", "-c", "echo detached; sleep 60"), Detached);

        Assert.True(container.Started);
        ShimState state = ShimState.ReadFrom(_container.BundleDirectory)!;
        Assert.True(state.IsInitAlive && state.IsShimAlive);
        // Its own session (setsid), so a terminal hangup or the end of this process's session cannot reach it.
        Assert.Equal(state.ShimPid, Session(state.ShimPid));
        // Its stdio let go of our pipes: all /dev/null, and so is the container's stdin.
        foreach (int fd in new[] { 0, 1, 2 })
        {
            Assert.Equal("/dev/null", File.ResolveLinkTarget($"/proc/{state.ShimPid}/fd/{fd}", false)!.FullName);
        }
        Assert.Equal("/dev/null", File.ResolveLinkTarget($"/proc/{state.Pid}/fd/0", false)!.FullName);
        Assert.Throws<InvalidOperationException>(() => container.StandardOutput);
        await WaitForAsync(() => File.Exists(LogPath) && File.ReadAllText(LogPath).Contains("detached", StringComparison.Ordinal));

        using (ProcessHandle init = ProcessHandle.Open(state.Pid, state.PidStartTime)!)
        {
            init.Signal(Signals.SIGKILL);
        }
        await WaitForAsync(() => ExitStatus.ReadFrom(_container.BundleDirectory) is not null);

        Assert.Equal(137, ExitStatus.ReadFrom(_container.BundleDirectory)!.ExitCode);
        Assert.Equal([("detached\n", "stdout")], ReadLog());
    }

    [Fact]
    public async Task DetachedACommandThatCannotRunIsReportedNotStarted()
    {
        using RunningContainer container = await _container.StartAsync(_container.Spec("no-such-command"), Detached);

        Assert.False(container.Started);
        ExitStatus status = await container.WaitForExitAsync();
        Assert.Equal(ShimExitCodes.NotFound, status.ExitCode);
        Assert.Contains("no-such-command", status.Error);
        Assert.Contains("no-such-command", await container.ReadErrorOutputAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RemoveDeletesTheBundleOnlyAfterTheWaitersHaveReadTheExit()
    {
        string waiters = Path.Combine(_container.BundleDirectory, Bundle.WaitersLockFile);
        Directory.CreateDirectory(_container.BundleDirectory);
        ShimState state;
        using (FileLock.Acquire(waiters, shared: true))
        {
            using RunningContainer container = await _container.StartAsync(_container.Spec("sh", "-c", "exit 5"), Detached with { AutoRemove = true });
            Assert.True(container.Started);
            state = ShimState.ReadFrom(_container.BundleDirectory)!;
            await WaitForAsync(() => ExitStatus.ReadFrom(_container.BundleDirectory) is not null);

            // The shim waits for us: the exit status stays readable, and the shim is still there.
            Assert.Equal(5, ExitStatus.ReadFrom(_container.BundleDirectory)!.ExitCode);
            Assert.True(state.IsShimAlive);
        }

        await WaitForAsync(() => !state.IsShimAlive);
        Assert.False(Directory.Exists(_container.BundleDirectory));
        Assert.Empty(Directory.GetDirectories(_container.Root, "removing-*"));
    }

    private List<(string Log, string Stream)> ReadLog() =>
        File.ReadAllLines(LogPath).Select(line =>
        {
            using JsonDocument json = JsonDocument.Parse(line);
            return (json.RootElement.GetProperty("log").GetString()!, json.RootElement.GetProperty("stream").GetString()!);
        }).ToList();

    private static int Session(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], CultureInfo.InvariantCulture);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
