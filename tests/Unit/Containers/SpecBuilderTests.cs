using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>docker run's options turned into a runtime spec (moby's defaults and rules).</summary>
public sealed class SpecBuilderTests : IDisposable
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly ImageConfig Image = new() { Config = new ContainerConfig { Cmd = ["sh"] } };
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private RuntimeSpec Build(RunOptions options) =>
        SpecBuilder.Build(Id, Image, options, new SpecContext { Volumes = new VolumeStore(_temp.Combine("volumes")) });

    [Fact]
    public void TheDefaultsAreDockers()
    {
        RuntimeSpec spec = Build(new RunOptions());

        Assert.Equal(SpecBuilder.DefaultCapabilities.Order(), spec.Process.Capabilities!.Bounding.Order());
        Assert.Equal(spec.Process.Capabilities.Bounding, spec.Process.Capabilities.Effective);
        Assert.Equal(spec.Process.Capabilities.Bounding, spec.Process.Capabilities.Permitted);
        Assert.Empty(spec.Process.Capabilities.Inheritable);
        Assert.Empty(spec.Process.Capabilities.Ambient);
        Assert.False(spec.Process.NoNewPrivileges);
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/sys/devices/virtual/powercap", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sysrq-trigger", spec.Linux.ReadonlyPaths!);
        Assert.Equal(["pid", "ipc", "uts", "mount", "network", "cgroup"], spec.Linux.Namespaces.Select(n => n.Type));
        Assert.NotNull(spec.Linux.Seccomp);
        Assert.Equal("psc-" + Id, spec.Linux.CgroupsPath);
        Assert.False(spec.Linux.Resources!.Devices![0].Allow);
        Assert.Contains(spec.Mounts, m => m.Destination == "/sys" && m.Options!.Contains("ro"));
        Assert.Contains(spec.Mounts, m => m.Destination == "/etc/resolv.conf" && m.Source == NetworkFiles.ResolvConfFile);
        Assert.Contains("HOME=/", spec.Process.Env);
        Assert.Null(spec.Annotations);
    }

    [Fact]
    public void CapabilitiesAreAddedAndDroppedWithOrWithoutThePrefix()
    {
        RuntimeSpec spec = Build(new RunOptions { AddCapabilities = ["net_admin"], DropCapabilities = ["CAP_CHOWN", "kill"] });

        IReadOnlyList<string> caps = spec.Process.Capabilities!.Bounding;
        Assert.Contains("CAP_NET_ADMIN", caps);
        Assert.DoesNotContain("CAP_CHOWN", caps);
        Assert.DoesNotContain("CAP_KILL", caps);
        Assert.Equal(13, caps.Count);
    }

    [Fact]
    public void AllInEitherListWins()
    {
        ulong available = Capabilities.CurrentBoundingSet();

        Assert.Equal(Capabilities.FromMask(available), Build(new RunOptions { AddCapabilities = ["ALL"] }).Process.Capabilities!.Bounding);
        Assert.Equal(["CAP_KILL"], Build(new RunOptions { DropCapabilities = ["all"], AddCapabilities = ["KILL"] }).Process.Capabilities!.Bounding);
        Assert.Equal("CapabilityUnknown",
            Assert.Throws<ContainerRuntimeException>(() => Build(new RunOptions { AddCapabilities = ["FLY"] })).ErrorId);
    }

    [Fact]
    public void PrivilegedLiftsTheHardening()
    {
        RuntimeSpec spec = Build(new RunOptions { Privileged = true });

        Assert.Equal(Capabilities.FromMask(Capabilities.CurrentBoundingSet()), spec.Process.Capabilities!.Bounding);
        Assert.Null(spec.Linux.Seccomp);
        Assert.Null(spec.Linux.MaskedPaths);
        Assert.Null(spec.Linux.ReadonlyPaths);
        Assert.Equal([new DeviceCgroupRule { Allow = true, Access = "rwm" }], spec.Linux.Resources!.Devices!);
        Assert.Contains(spec.Linux.Devices!, d => d.Path == "/dev/null" && d.Type == "c" && d.Major == 1 && d.Minor == 3);
        Assert.Contains(spec.Mounts, m => m.Destination == "/sys" && m.Options!.Contains("rw"));
    }

    [Fact]
    public void LimitsBecomeCgroupResources()
    {
        RuntimeSpec spec = Build(new RunOptions { Memory = 64 << 20, Processors = 1.5, PidsLimit = 20 });

        ResourcesSpec r = spec.Linux.Resources!;
        Assert.Equal((64L << 20, 128L << 20), (r.Memory!.Limit!.Value, r.Memory.Swap!.Value));
        Assert.Equal((150_000L, 100_000UL), (r.Cpu!.Quota!.Value, r.Cpu.Period!.Value));
        Assert.Equal(20, r.Pids!.Limit);
        Assert.Null(Build(new RunOptions { PidsLimit = 0 }).Linux.Resources!.Pids);
        Assert.Equal("MemoryLimitTooLow", Assert.Throws<ContainerRuntimeException>(() => Build(new RunOptions { Memory = 1 << 20 })).ErrorId);
        Assert.Equal("ProcessorsOutOfRange", Assert.Throws<ContainerRuntimeException>(() => Build(new RunOptions { Processors = 0.001 })).ErrorId);
    }

    [Fact]
    public void TheHostsNetworkHasNoNetworkNamespaceAndTheHostsName()
    {
        RuntimeSpec spec = Build(new RunOptions { Network = "host" });

        Assert.DoesNotContain(spec.Linux.Namespaces, n => n.Type == "network");
        Assert.Equal(System.Net.Dns.GetHostName(), spec.Hostname);
        Assert.Equal("NetworkModeUnsupported", Assert.Throws<ContainerRuntimeException>(() => Build(new RunOptions { Network = "bridge" })).ErrorId);
    }

    [Fact]
    public void VolumesAreBindsOfHostPathsOrOfNamedVolumesThatCopyUp()
    {
        string host = _temp.Combine("host-data");
        RuntimeSpec spec = Build(new RunOptions { Volumes = [host + ":/data:ro", "cache:/var/cache", "nocp:/x:nocopy", "/anonymous"], ReadOnly = true });

        MountSpec bind = spec.Mounts.Single(m => m.Destination == "/data");
        MountSpec named = spec.Mounts.Single(m => m.Destination == "/var/cache");
        Assert.Equal((host, "bind"), (bind.Source, bind.Type));
        Assert.Contains("ro", bind.Options!);
        Assert.DoesNotContain(SpecBuilder.CopyUpOption, bind.Options!);
        Assert.True(Directory.Exists(host), "a missing host directory is created, as docker -v does");
        Assert.Equal(_temp.Combine("volumes", "cache", "_data"), named.Source);
        Assert.True(Directory.Exists(named.Source));
        Assert.Contains(SpecBuilder.CopyUpOption, named.Options!);
        Assert.DoesNotContain(SpecBuilder.CopyUpOption, spec.Mounts.Single(m => m.Destination == "/x").Options!);
        Assert.StartsWith(_temp.Combine("volumes"), spec.Mounts.Single(m => m.Destination == "/anonymous").Source);
        Assert.True(spec.Root.Readonly);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/etc/hosts").Options!);
    }

    [Fact]
    public void TheContainersMountsTellBindsNamedAndAnonymousVolumesAndTmpfsApart()
    {
        var volumes = new VolumeStore(_temp.Combine("volumes"));
        string host = _temp.Combine("host");

        var mounts = SpecBuilder.UserMounts(new RunOptions { Volumes = [host + ":/h:ro", "named:/n", "/anon"], Tmpfs = ["/t"] }, volumes);

        Assert.Equal(
            [(ContainerMount.BindType, null, false), (ContainerMount.VolumeType, "named", false), (ContainerMount.VolumeType, mounts[2].Name, true), (ContainerMount.TmpfsType, null, false)],
            mounts.Select(m => (m.Type, m.Name, m.Anonymous)));
        Assert.Matches("^[0-9a-f]{64}$", mounts[2].Name);
        Assert.Equal(_temp.Combine("volumes", mounts[2].Name!, "_data"), mounts[2].Source);
        Assert.Equal("bind", mounts[2].ToSpec().Type);
        Assert.Equal([$"bind {host}:/h:ro", "volume named:/n", $"volume {mounts[2].Name}:/anon", "tmpfs tmpfs:/t"], mounts.Select(m => m.ToString()));
        RuntimeSpec spec = SpecBuilder.Build(Id, Image, new RunOptions(), new SpecContext { Mounts = mounts });
        Assert.Equal(mounts.Select(m => m.ToSpec()), spec.Mounts.TakeLast(4));
    }

    [Fact]
    public void TheImagesVolumesBecomeAnonymousVolumesUnlessAMountCoversThem()
    {
        var volumes = new VolumeStore(_temp.Combine("volumes"));

        var mounts = SpecBuilder.UserMounts(new RunOptions { Volumes = ["mine:/data"], Tmpfs = ["/cache/"] }, volumes,
            ["/data", "/cache", "/var/lib/db/", "/var/lib/db", "relative", "/"]);

        Assert.Equal(
            [("/data", "mine", false), ("/cache/", null, false), ("/var/lib/db", mounts[2].Name, true)],
            mounts.Select(m => (m.Destination, m.Name, m.Anonymous)));
        Assert.Contains(SpecBuilder.CopyUpOption, mounts[2].ToSpec().Options!);
    }

    [Theory]
    [InlineData("./relative:/x")]
    [InlineData("/a:relative")]
    [InlineData("/a:/")]
    [InlineData("/a:/x:bogus")]
    [InlineData("a:b:c:d")]
    [InlineData("x:/dup")]
    public void BadVolumesAreRefused(string volume)
    {
        var e = Assert.Throws<ContainerRuntimeException>(() => Build(new RunOptions { Volumes = [volume, "/elsewhere:/dup"] }));

        Assert.Contains(e.ErrorId, new[] { "MountSpecificationInvalid", "MountPointDuplicate", "VolumeNameInvalid" });
    }

    [Fact]
    public void TmpfsGetsDockersSafeDefaultsUnlessOverridden()
    {
        RuntimeSpec spec = Build(new RunOptions { Tmpfs = ["/run", "/scratch:exec,size=1m"] });

        MountSpec run = spec.Mounts.Single(m => m.Destination == "/run");
        Assert.Equal("tmpfs", run.Type);
        Assert.Equal(["nosuid", "nodev", "noexec"], run.Options!);
        Assert.Equal(["nosuid", "nodev", "noexec", "exec", "size=1m"], spec.Mounts.Single(m => m.Destination == "/scratch").Options!);
    }

    [Fact]
    public void InitIsAnAnnotation() =>
        Assert.Equal("true", Build(new RunOptions { Init = true }).Annotations![SpecBuilder.InitAnnotation]);
}
