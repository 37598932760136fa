using System.Text;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>psc-shim's exec mode, end to end as root: a process joining a running container.</summary>
[Collection(ShimCollection.Name)]
public sealed class ExecLauncherTests : IDisposable
{
    private readonly TestContainer _container;
    private readonly RunningContainer _running;

    public ExecLauncherTests(ShimFixture shim)
    {
        _container = new TestContainer(shim);
        RuntimeSpec spec = _container.Spec("sleep", "60");
        IReadOnlyList<string> caps = SpecBuilder.DefaultCapabilities;
        spec = spec with
        {
            Process = spec.Process with
            {
                Capabilities = new CapabilitiesSpec { Bounding = caps, Effective = caps, Permitted = caps, Inheritable = [], Ambient = [] },
                NoNewPrivileges = true,
                Env = ["PATH=/bin", "FROM=container"],
            },
            Linux = spec.Linux with
            {
                Namespaces = [.. spec.Linux.Namespaces, new NamespaceSpec { Type = "cgroup" }],
                CgroupsPath = "psc-test-" + Guid.NewGuid().ToString("N"),
                Seccomp = new SeccompSpec
                {
                    DefaultAction = "SCMP_ACT_ALLOW",
                    Syscalls = [new SeccompSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
                },
            },
        };
        _running = _container.StartAsync(spec).GetAwaiter().GetResult();
        for (int i = 0; i < 500 && ShimState.ReadFrom(_container.BundleDirectory) is null; i++)
        {
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _running.Kill();
        _running.WaitForExitAsync().GetAwaiter().GetResult();
        _running.Dispose();
        _container.Dispose();
    }

    [Fact]
    public async Task TheProcessIsInEveryNamespaceOfTheContainerAndItsCgroup()
    {
        RunResult result = await ExecAsync(Process("sh", "-c",
            "for n in mnt uts ipc net pid cgroup; do [ $(readlink /proc/self/ns/$n) = $(readlink /proc/1/ns/$n) ] && echo same $n; done; " +
            "cat /proc/1/cmdline | tr '\\0' ' '; echo; hostname; [ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ] && echo same cgroup; echo $$"));

        string[] lines = result.Stdout.Split('\n');
        Assert.Equal(["same mnt", "same uts", "same ipc", "same net", "same pid", "same cgroup"], lines[..6]);
        Assert.Equal("sleep 60 ", lines[6]);
        Assert.Equal(TestContainer.Hostname, lines[7]);
        Assert.Equal("same cgroup", lines[8]);
        Assert.NotEqual("1", lines[9]);
        Assert.Equal(0, result.Status.ExitCode);
    }

    [Fact]
    public async Task TheContainersCapabilitiesSeccompAndEnvironmentApply()
    {
        RunResult result = await ExecAsync(Process("sh", "-c", "grep -E '^Cap(Eff|Bnd)' /proc/self/status; grep NoNewPrivs /proc/self/status; echo $FROM; mkdir /x || echo refused"));

        Assert.Equal("CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\ncontainer\nrefused\n", result.Stdout);
    }

    [Fact]
    public async Task UserWorkingDirectoryStdinAndExitCodeAreTheExecs()
    {
        ProcessSpec process = Process("sh", "-c", "id -u; pwd; cat; exit 9") with { User = new UserSpec { Uid = 1000, Gid = 1000 }, Cwd = "/bin" };

        RunResult result = await ExecAsync(process, stdin: "from stdin\n");

        Assert.Equal("1000\n/bin\nfrom stdin\n", result.Stdout);
        Assert.Equal(9, result.Status.ExitCode);
    }

    [Fact]
    public async Task AMissingCommandIs127AndAStoppedContainerIs125()
    {
        RunResult missing = await ExecAsync(Process("no-such-command"));
        _running.Kill();
        await _running.WaitForExitAsync();
        RunResult stopped = await ExecAsync(Process("true"));

        Assert.Equal(127, missing.Status.ExitCode);
        Assert.Contains("no-such-command", missing.Status.Error);
        Assert.Equal(125, stopped.Status.ExitCode);
        Assert.Contains("is not running", stopped.Status.Error);
        Assert.Empty(Directory.GetFiles(Path.Combine(_container.BundleDirectory, ExecLauncher.ExecDirectory)));
    }

    private ProcessSpec Process(params string[] args)
    {
        ProcessSpec container = Bundle.Load(_container.BundleDirectory).Spec.Process;
        return container with { Args = args };
    }

    private async Task<RunResult> ExecAsync(ProcessSpec process, string? stdin = null)
    {
        using RunningExec exec = new ExecLauncher(_container.Shim.ShimPath).Start(_container.BundleDirectory, process);
        Task<string> stdout = new StreamReader(exec.StandardOutput).ReadToEndAsync();
        Task<string> stderr = new StreamReader(exec.StandardError).ReadToEndAsync();
        if (stdin is not null)
        {
            await exec.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(stdin));
        }

        await exec.StandardInput.DisposeAsync();
        ExitStatus status = await exec.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return new RunResult(await stdout, await stderr, status);
    }
}
