using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Tests.Process;

/// <summary>What stage 1 and stage 2 send each other over their pipes (see ContainerLauncher.cs).</summary>
public sealed class WireFormatTests
{
    [Fact]
    public void InitRequestCarriesEverythingStageTwoUses()
    {
        RuntimeSpec spec = new()
        {
            Process = new ProcessSpec
            {
                Args = ["sh", "-c", "echo ünïcode"],
                Env = ["PATH=/bin", "EMPTY="],
                Cwd = "/work",
                User = new UserSpec { Uid = 1000, Gid = 1001, Umask = 0x3f, AdditionalGids = [5, 6] },
                NoNewPrivileges = true,
                Terminal = true,
                ConsoleSize = new ConsoleSizeSpec { Height = 50, Width = 200 },
            },
            Hostname = "box",
            Root = new RootSpec { Path = "fs", Readonly = true },
            Mounts = [new MountSpec { Destination = "/data", Type = "bind", Source = "/srv", Options = ["rbind", "ro"] }, new MountSpec { Destination = "/t" }],
        };
        Mount[] rootfs = [new Mount { Type = "overlay", Source = "overlay", Options = ["lowerdir+=/l", "upperdir=/u", "workdir=/w"] }, new Mount { Type = "bind", Source = "/x", Target = "/sub" }];

        InitRequest decoded = InitRequest.Decode(new InitRequest(new Bundle("/b", spec, rootfs), 0x6c020000).Encode());
        Bundle bundle = decoded.Bundle;

        Assert.Equal(0x6c020000, decoded.NamespaceFlags);
        Assert.Equal("/b", bundle.Directory);
        ProcessSpec p = bundle.Spec.Process;
        Assert.Equal(spec.Process.Args, p.Args);
        Assert.Equal(spec.Process.Env, p.Env);
        Assert.Equal("/work", p.Cwd);
        Assert.Equal((1000u, 1001u, (uint?)0x3f), (p.User.Uid, p.User.Gid, p.User.Umask));
        Assert.Equal([5u, 6u], p.User.AdditionalGids!);
        Assert.True(p.NoNewPrivileges);
        Assert.True(p.Terminal);
        Assert.Equal((50u, 200u), (p.ConsoleSize!.Height, p.ConsoleSize.Width));
        Assert.Equal("box", bundle.Spec.Hostname);
        Assert.Equal(("fs", true), (bundle.Spec.Root.Path, bundle.Spec.Root.Readonly));
        Assert.Equal(2, bundle.Spec.Mounts.Count);
        Assert.Equal(("/data", "bind", "/srv"), (bundle.Spec.Mounts[0].Destination, bundle.Spec.Mounts[0].Type, bundle.Spec.Mounts[0].Source));
        Assert.Equal(["rbind", "ro"], bundle.Spec.Mounts[0].Options!);
        Assert.Null(bundle.Spec.Mounts[1].Type);
        Assert.Equal(rootfs[0].Options, bundle.RootfsMounts[0].Options);
        Assert.Equal(("bind", "/x", "/sub"), (bundle.RootfsMounts[1].Type, bundle.RootfsMounts[1].Source, bundle.RootfsMounts[1].Target));
    }

    [Fact]
    public void InitRequestCarriesWhatStageOneReadsOfLinux()
    {
        RuntimeSpec spec = new()
        {
            Linux = new LinuxSpec
            {
                Namespaces = [new NamespaceSpec { Type = "pid" }, new NamespaceSpec { Type = "network", Path = "/run/netns/x" }],
                CgroupsPath = "psc-abc",
                Resources = new ResourcesSpec
                {
                    Memory = new MemoryResources { Limit = 64 << 20, Swap = 128 << 20 },
                    Cpu = new CpuResources { Quota = 150000, Period = 100000 },
                    Pids = new PidsResources { Limit = 100 },
                    Devices = [new DeviceCgroupRule { Allow = false, Access = "rwm" }, new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }],
                },
            },
        };

        LinuxSpec linux = InitRequest.Decode(new InitRequest(new Bundle("/b", spec, []), 0).Encode()).Bundle.Spec.Linux;

        Assert.Equal([("pid", null), ("network", "/run/netns/x")], linux.Namespaces.Select(n => (n.Type, n.Path)));
        Assert.Equal("psc-abc", linux.CgroupsPath);
        Assert.Equal(spec.Linux.Resources.Memory, linux.Resources!.Memory);
        Assert.Equal(spec.Linux.Resources.Cpu, linux.Resources.Cpu);
        Assert.Null(linux.Resources.Cpu!.Shares);
        Assert.Equal(100, linux.Resources.Pids!.Limit);
        Assert.Equal(spec.Linux.Resources.Devices, linux.Resources.Devices!);
    }

    [Fact]
    public void APreparedBundleIsReadOnlyWhileItsJsonFilesAreUnchanged()
    {
        string directory = Path.Combine(Path.GetTempPath(), "psc-prepared-" + Guid.NewGuid().ToString("N"));
        try
        {
            RuntimeSpec spec = new() { Process = new ProcessSpec { Args = ["/bin/true"] }, Linux = new LinuxSpec { CgroupsPath = "psc-x" } };
            Bundle.Create(directory, spec, [new Mount { Type = "bind", Source = "/srv" }]);
            Assert.True(File.Exists(Path.Combine(directory, PreparedBundle.FileName)));

            // Change the prepared copy only: what Load returns shows which one it read.
            RuntimeSpec other = spec with { Process = spec.Process with { Args = ["/from-prepared"] } };
            byte[] config = File.ReadAllBytes(Path.Combine(directory, Bundle.ConfigFile));
            byte[] mounts = File.ReadAllBytes(Path.Combine(directory, Bundle.RootfsMountsFile));
            PreparedBundle.Write(new Bundle(directory, other, [new Mount { Type = "bind", Source = "/srv" }]), config, mounts);
            Assert.Equal(["/from-prepared"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
            Assert.Equal("psc-x", PreparedBundle.Load(directory, out _).Spec.Linux.CgroupsPath);

            // Either JSON file changed: the JSON is read again.
            File.WriteAllBytes(Path.Combine(directory, Bundle.RootfsMountsFile), [.. mounts, (byte)' ']);
            Assert.Equal(["/bin/true"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
            File.WriteAllBytes(Path.Combine(directory, Bundle.RootfsMountsFile), mounts);
            Assert.Equal(["/from-prepared"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
            File.WriteAllBytes(Path.Combine(directory, Bundle.ConfigFile), [.. config, (byte)'\n']);
            Assert.Equal(["/bin/true"], PreparedBundle.Load(directory, out _).Spec.Process.Args);

            // An init.bin an older shim wrote (its request in another format) is read the slow way, not misread.
            File.WriteAllBytes(Path.Combine(directory, Bundle.ConfigFile), config);
            Assert.Equal(["/from-prepared"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
            byte[] prepared = File.ReadAllBytes(Path.Combine(directory, PreparedBundle.FileName));
            int request = 4 + 4 + config.Length + 4 + mounts.Length;
            "PSC2"u8.CopyTo(prepared.AsSpan(request));
            File.WriteAllBytes(Path.Combine(directory, PreparedBundle.FileName), prepared);
            Assert.Equal(["/bin/true"], PreparedBundle.Load(directory, out _).Spec.Process.Args);

            // A truncated or missing init.bin is no error either.
            File.WriteAllBytes(Path.Combine(directory, PreparedBundle.FileName), [0x50, 0x53]);
            Assert.Equal(["/bin/true"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
            File.Delete(Path.Combine(directory, PreparedBundle.FileName));
            Assert.Equal(["/bin/true"], PreparedBundle.Load(directory, out _).Spec.Process.Args);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void InitRequestWithoutUmaskKeepsItUnset()
    {
        InitRequest decoded = InitRequest.Decode(new InitRequest(new Bundle("/b", new RuntimeSpec(), []), 0).Encode());

        Assert.Null(decoded.Bundle.Spec.Process.User.Umask);
        Assert.Null(decoded.Bundle.Spec.Hostname);
        Assert.Null(decoded.Bundle.Spec.Process.Capabilities);
        Assert.Null(decoded.Bundle.Spec.Process.Rlimits);
        Assert.Null(decoded.Bundle.Spec.Linux.MaskedPaths);
        Assert.Null(decoded.Bundle.Spec.Linux.Devices);
        Assert.Null(decoded.Bundle.Spec.Annotations);
        Assert.Null(decoded.SeccompProgram);
    }

    [Fact]
    public void InitRequestCarriesTheHardening()
    {
        RuntimeSpec spec = new()
        {
            Process = new ProcessSpec
            {
                Args = ["true"],
                Capabilities = new CapabilitiesSpec { Bounding = ["CAP_KILL", "CAP_CHOWN"], Effective = ["CAP_KILL"], Permitted = ["CAP_CHOWN"], Inheritable = [], Ambient = ["CAP_KILL"] },
                Rlimits = [new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = 64, Hard = 128 }],
            },
            Linux = new LinuxSpec
            {
                MaskedPaths = ["/proc/kcore"],
                ReadonlyPaths = ["/proc/sys", "/proc/bus"],
                Devices = [new DeviceSpec { Path = "/dev/sda", Type = "b", Major = 8, Minor = 0, FileMode = 0x1b0, Uid = 0, Gid = 6 }, new DeviceSpec { Path = "/dev/x" }],
                Seccomp = new SeccompSpec { Flags = ["SECCOMP_FILTER_FLAG_LOG"] },
            },
            Annotations = new Dictionary<string, string> { ["org.pscontainer.init"] = "true", ["k"] = "" },
        };
        PSContainer.Runtime.Linux.CgroupHierarchy[] hierarchies = [new("/sys/fs/cgroup/memory", "/", false, ["memory"]), new("/sys/fs/cgroup/unified", "/", true, [])];

        InitRequest decoded = InitRequest.Decode(new InitRequest(new Bundle("/b", spec, []), 0) { SeccompProgram = [1, 2, 3, 4, 5, 6, 7, 8], CgroupHierarchies = hierarchies }.Encode());

        CapabilitiesSpec caps = decoded.Bundle.Spec.Process.Capabilities!;
        Assert.Equal(["CAP_KILL", "CAP_CHOWN"], caps.Bounding);
        Assert.Equal(["CAP_KILL"], caps.Effective);
        Assert.Equal(["CAP_CHOWN"], caps.Permitted);
        Assert.Empty(caps.Inheritable);
        Assert.Equal(["CAP_KILL"], caps.Ambient);
        Assert.Equal(spec.Process.Rlimits, decoded.Bundle.Spec.Process.Rlimits!);
        Assert.Equal(spec.Linux.MaskedPaths, decoded.Bundle.Spec.Linux.MaskedPaths!);
        Assert.Equal(spec.Linux.ReadonlyPaths, decoded.Bundle.Spec.Linux.ReadonlyPaths!);
        Assert.Equal(spec.Linux.Devices, decoded.Bundle.Spec.Linux.Devices!);
        Assert.Equal(["SECCOMP_FILTER_FLAG_LOG"], decoded.Bundle.Spec.Linux.Seccomp!.Flags!);
        Assert.Equal(spec.Annotations, decoded.Bundle.Spec.Annotations!);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], decoded.SeccompProgram!);
        Assert.Equal(hierarchies[0].Controllers, decoded.CgroupHierarchies[0].Controllers);
        Assert.Equal((hierarchies[1].MountPoint, true), (decoded.CgroupHierarchies[1].MountPoint, decoded.CgroupHierarchies[1].Unified));
    }

    [Fact]
    public void EndOfFileWithoutARequestMeansTheMonitorIsGone()
    {
        Assert.Throws<InvalidOperationException>(() => InitRequest.Decode([]));
        Assert.Throws<InvalidOperationException>(() => InitRequest.Decode("go"u8.ToArray()));
    }

    [Theory]
    [InlineData("127 exec \"x\": not found", 127, "exec \"x\": not found")]
    [InlineData("126 exec /a: permission denied", 126, "exec /a: permission denied")]
    [InlineData("125 mount /x: invalid argument", 125, "mount /x: invalid argument")]
    [InlineData("3 not one of ours", 125, "3 not one of ours")]
    [InlineData("garbage", 125, "garbage")]
    public void ErrorRecordRoundTripsAndDistrustsOddCodes(string wire, int code, string message)
    {
        ErrorRecord record = ErrorRecord.Decode(System.Text.Encoding.UTF8.GetBytes(wire));

        Assert.Equal(new ErrorRecord(code, message), record);
        if (code != 125 || wire.StartsWith("125", StringComparison.Ordinal))
        {
            Assert.Equal(wire, System.Text.Encoding.UTF8.GetString(record.Encode()));
        }
    }
}
