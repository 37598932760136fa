using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>docker exec's rules for the process it runs: the container's, changed by the options.</summary>
public sealed class ContainerExecTests
{
    private static readonly ProcessSpec Container = new()
    {
        Args = ["sleep", "60"],
        Env = ["PATH=/bin", "HOME=/", "KEEP=1", "OVERRIDE=old"],
        Cwd = "/srv",
        User = new UserSpec { Uid = 1000, Gid = 1000 },
        Capabilities = new CapabilitiesSpec { Bounding = ["CAP_KILL"], Effective = ["CAP_KILL"], Permitted = ["CAP_KILL"] },
        NoNewPrivileges = true,
        Rlimits = [new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = 10, Hard = 10 }],
    };

    [Fact]
    public void WithoutOptionsTheContainersProcessIsReusedWithTheNewCommand()
    {
        ProcessSpec exec = ContainerExec.ProcessFor(Container, new ExecOptions { Command = ["id"] }, Environment.ProcessId);

        Assert.Equal(["id"], exec.Args);
        Assert.Equal(Container.Env, exec.Env);
        Assert.Equal(("/srv", 1000u, 1000u), (exec.Cwd, exec.User.Uid, exec.User.Gid));
        Assert.Equal(Container.Capabilities, exec.Capabilities);
        Assert.True(exec.NoNewPrivileges);
        Assert.Equal(Container.Rlimits, exec.Rlimits);
    }

    /// <summary>The user is looked up in the container's own root, here this process's (/proc/self/root).</summary>
    [Fact]
    public void OptionsReplaceUserHomeDirectoryVariablesAndCapabilities()
    {
        ProcessSpec exec = ContainerExec.ProcessFor(Container, new ExecOptions
        {
            Command = ["sh"],
            User = "root",
            WorkingDirectory = "/tmp",
            Environment = new Dictionary<string, string> { ["OVERRIDE"] = "new", ["ADDED"] = "x" },
            Privileged = true,
        }, Environment.ProcessId);

        Assert.Equal((0u, 0u, "/tmp"), (exec.User.Uid, exec.User.Gid, exec.Cwd));
        Assert.Equal(["PATH=/bin", "HOME=/root", "KEEP=1", "OVERRIDE=new", "ADDED=x"], exec.Env);
        Assert.Equal(Capabilities.FromMask(Capabilities.CurrentBoundingSet()), exec.Capabilities!.Bounding);
        Assert.Equal("ContainerUserNotFound", Assert.Throws<ContainerRuntimeException>(() =>
            ContainerExec.ProcessFor(Container, new ExecOptions { Command = ["sh"], User = "no-such-user-here" }, Environment.ProcessId)).ErrorId);
    }
}
