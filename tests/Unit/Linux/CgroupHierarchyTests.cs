using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

public sealed class CgroupHierarchyTests
{
    private static readonly string[] Hybrid =
    [
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct",
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd",
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate",
        "41 30 0:31 /sub /mnt/memory\\040copy rw,relatime - cgroup cgroup rw,memory",
    ];

    private static readonly string[] Self = ["9:name=systemd:/user", "4:memory:/session/a", "2:cpuacct,cpu:/", "0::/session"];

    [Fact]
    public void EveryHierarchyIsFoundOnceWithItsControllers()
    {
        var hierarchies = CgroupHierarchy.Parse(Hybrid);

        Assert.Equal(["/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"], hierarchies.Select(h => h.MountPoint));
        Assert.Equal(["cpu", "cpuacct"], hierarchies[0].Controllers);
        Assert.Equal(["name=systemd"], hierarchies[2].Controllers);
        Assert.Equal("none,name=systemd", hierarchies[2].MountData);
        Assert.True(hierarchies[3].Unified);
    }

    [Fact]
    public void OwnCgroupsAreMatchedByControllerSetInAnyOrder()
    {
        var hierarchies = CgroupHierarchy.Parse(Hybrid);

        Assert.Equal("/", hierarchies[0].CgroupOf(Self));
        Assert.Equal("/session/a", hierarchies[1].CgroupOf(Self));
        Assert.Equal("/session", hierarchies[3].CgroupOf(Self));
        Assert.Null(new CgroupHierarchy("/x", "/", false, ["pids"]).CgroupOf(Self));
    }

    [Fact]
    public void AContainerIsPlannedUnderTheCallersCgroupInEachHierarchyThatMatters()
    {
        Cgroup cgroup = Cgroup.Plan("psc-1", CgroupHierarchy.Parse(Hybrid), Self);

        Assert.Equal(["/sys/fs/cgroup/cpu,cpuacct/psc-1", "/sys/fs/cgroup/memory/session/a/psc-1", "/sys/fs/cgroup/unified/session/psc-1"],
            cgroup.Directories.Select(d => d.Path));
    }

    [Fact]
    public void AMountOfASubtreeMapsCgroupPathsBelowItsRoot()
    {
        CgroupHierarchy mount = new("/mnt/m", "/sub", false, ["memory"]);

        Assert.Equal("/mnt/m/x", mount.DirectoryOf("/sub/x"));
        Assert.Equal("/mnt/m", mount.DirectoryOf("/sub"));
    }

    [Theory]
    [InlineData("/abs")]
    [InlineData("../escape")]
    [InlineData("a/./b")]
    [InlineData("")]
    public void OnlyPlainRelativeCgroupPathsAreAccepted(string path)
    {
        Assert.Throws<PSContainer.Runtime.Errors.ContainerRuntimeException>(() => Cgroup.Plan(path, CgroupHierarchy.Parse(Hybrid), Self));
    }
}
