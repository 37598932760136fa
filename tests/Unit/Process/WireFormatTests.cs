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
            },
            Hostname = "box",
            Root = new RootSpec { Path = "fs", Readonly = true },
            Mounts = [new MountSpec { Destination = "/data", Type = "bind", Source = "/srv", Options = ["rbind", "ro"] }, new MountSpec { Destination = "/t" }],
        };
        Mount[] rootfs = [new Mount { Type = "overlay", Source = "overlay", Options = ["lowerdir+=/l", "upperdir=/u", "workdir=/w"] }, new Mount { Type = "bind", Source = "/x", Target = "/sub" }];

        (Bundle bundle, int flags) = InitRequest.Decode(InitRequest.Encode(new Bundle("/b", spec, rootfs), 0x6c020000));

        Assert.Equal(0x6c020000, flags);
        Assert.Equal("/b", bundle.Directory);
        ProcessSpec p = bundle.Spec.Process;
        Assert.Equal(spec.Process.Args, p.Args);
        Assert.Equal(spec.Process.Env, p.Env);
        Assert.Equal("/work", p.Cwd);
        Assert.Equal((1000u, 1001u, (uint?)0x3f), (p.User.Uid, p.User.Gid, p.User.Umask));
        Assert.Equal([5u, 6u], p.User.AdditionalGids!);
        Assert.True(p.NoNewPrivileges);
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
    public void InitRequestWithoutUmaskKeepsItUnset()
    {
        (Bundle bundle, _) = InitRequest.Decode(InitRequest.Encode(new Bundle("/b", new RuntimeSpec(), []), 0));

        Assert.Null(bundle.Spec.Process.User.Umask);
        Assert.Null(bundle.Spec.Hostname);
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
