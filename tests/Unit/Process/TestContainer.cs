using System.Text;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Tests.Process;

/// <summary>
/// A throw-away container for one test: a busybox root filesystem as the single lower layer of an overlay
/// (lower/bin/busybox plus applet symlinks, and a non-executable lower/bin/notexec), empty upper and work
/// directories, and a bundle that runs the given command in new mount, UTS, IPC, PID and network namespaces.
/// </summary>
internal sealed class TestContainer : IDisposable
{
    public const string Hostname = "psc-test";

    private static readonly string[] Applets =
    [
        "sh", "echo", "cat", "hostname", "ls", "id", "sleep", "true", "false", "pwd", "grep", "head", "wc", "cut", "readlink",
        "mkdir", "rmdir", "rm", "touch", "kill", "dd", "tr", "mount", "unshare", "ps", "printf",
    ];

    public TestContainer(ShimFixture shim)
    {
        Shim = shim;
        Root = Directory.CreateTempSubdirectory("psc-test-").FullName;
        Lower = Path.Combine(Root, "lower");
        Upper = Directory.CreateDirectory(Path.Combine(Root, "upper")).FullName;
        Work = Directory.CreateDirectory(Path.Combine(Root, "work")).FullName;
        BundleDirectory = Path.Combine(Root, "bundle");

        string bin = Directory.CreateDirectory(Path.Combine(Lower, "bin")).FullName;
        File.Copy(shim.BusyboxPath, Path.Combine(bin, "busybox"));
        foreach (string applet in Applets)
        {
            File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        }

        File.WriteAllText(Path.Combine(bin, "notexec"), "#!/bin/sh\necho should not run\n");
        File.SetUnixFileMode(Path.Combine(bin, "notexec"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public ShimFixture Shim { get; }

    public string Root { get; }

    public string Lower { get; }

    public string Upper { get; }

    public string Work { get; }

    public string BundleDirectory { get; }

    public RuntimeSpec Spec(params string[] args) => new()
    {
        Process = new ProcessSpec { Args = args, Env = ["PATH=/bin", "HOME=/"], Cwd = "/" },
        Root = new RootSpec { Path = "rootfs" },
        Hostname = Hostname,
        Linux = new LinuxSpec
        {
            Namespaces = [new() { Type = "pid" }, new() { Type = "mount" }, new() { Type = "uts" }, new() { Type = "ipc" }, new() { Type = "network" }],
        },
    };

    public Mount Overlay => new()
    {
        Type = "overlay",
        Source = "overlay",
        Options = ["lowerdir+=" + Lower, "upperdir=" + Upper, "workdir=" + Work],
    };

    public Task<RunningContainer> StartAsync(RuntimeSpec spec, LaunchOptions? options = null)
    {
        Bundle.Create(BundleDirectory, spec, [Overlay]);
        return StartPreparedAsync(options);
    }

    /// <summary>Starts the bundle as it is on disk: made by an earlier <see cref="Bundle.Create"/>, perhaps changed since.</summary>
    public Task<RunningContainer> StartPreparedAsync(LaunchOptions? options = null) =>
        new ContainerLauncher(Shim.ShimPath).StartAsync(BundleDirectory, options ?? LaunchOptions.Attached, CancellationToken.None);

    /// <summary>Runs the container to its end, feeding it <paramref name="stdin"/> and collecting both outputs.</summary>
    public Task<RunResult> RunAsync(params string[] args) => RunAsync(Spec(args));

    public Task<RunResult> RunAsync(RuntimeSpec spec, string? stdin = null)
    {
        Bundle.Create(BundleDirectory, spec, [Overlay]);
        return RunPreparedAsync(stdin);
    }

    /// <summary>Runs the bundle as it is on disk (see <see cref="StartPreparedAsync"/>) to its end.</summary>
    public async Task<RunResult> RunPreparedAsync(string? stdin = null)
    {
        using RunningContainer container = await StartPreparedAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        MemoryStream stdout = new();
        MemoryStream stderr = new();
        Task copyOut = container.StandardOutput.CopyToAsync(stdout, timeout.Token);
        Task copyErr = container.StandardError.CopyToAsync(stderr, timeout.Token);
        if (stdin is not null)
        {
            await container.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(stdin), timeout.Token);
        }

        await container.StandardInput.DisposeAsync();
        ExitStatus status;
        try
        {
            status = await container.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            container.Kill();
            throw new TimeoutException("the container did not finish within 60 s");
        }

        await Task.WhenAll(copyOut, copyErr);
        return new RunResult(Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()), status);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A test that failed half-way may leave something behind in /tmp; not worth failing over.
        }
    }
}

internal sealed record RunResult(string Stdout, string Stderr, ExitStatus Status);
