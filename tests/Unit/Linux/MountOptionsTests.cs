using PSContainer.Runtime.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace PSContainer.Tests.Linux;

public sealed class MountOptionsTests
{
    public static TheoryData<string[], ulong, ulong, string?> Cases => new()
    {
        { ["nosuid", "noexec", "nodev"], MS_NOSUID | MS_NOEXEC | MS_NODEV, 0, null },
        { ["nosuid", "strictatime", "mode=755", "size=65536k"], MS_NOSUID | MS_STRICTATIME, 0, "mode=755,size=65536k" },
        { ["rbind", "ro", "rprivate"], MS_BIND | MS_REC | MS_RDONLY, MS_PRIVATE | MS_REC, null },
        { ["bind", "rslave"], MS_BIND, MS_SLAVE | MS_REC, null },
        { ["ro", "rw"], 0, 0, null },
        { ["newinstance", "ptmxmode=0666", "mode=0620", "gid=5"], 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5" },
        { ["lowerdir+=/a", "lowerdir+=/b", "upperdir=/u", "workdir=/w"], 0, 0, "lowerdir+=/a,lowerdir+=/b,upperdir=/u,workdir=/w" },
        { [], 0, 0, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SplitsFlagsPropagationAndData(string[] options, ulong flags, ulong propagation, string? data)
    {
        MountOptions parsed = MountOptions.Parse(options);

        Assert.Equal(flags, parsed.Flags);
        Assert.Equal(propagation, parsed.Propagation);
        Assert.Equal(data, parsed.DataString);
    }

    [Fact]
    public void BindRemountFlagsAreThePerMountOnes()
    {
        MountOptions parsed = MountOptions.Parse(["rbind", "ro", "nosuid", "rprivate"]);

        Assert.True(parsed.IsBind);
        Assert.True(parsed.IsRecursive);
        Assert.Equal((ulong)(MS_RDONLY | MS_NOSUID), parsed.RemountFlags);
        Assert.Equal(PSContainer.Runtime.Linux.Interop.LibC.MOUNT_ATTR_RDONLY | PSContainer.Runtime.Linux.Interop.LibC.MOUNT_ATTR_NOSUID, parsed.MountAttributes);
    }
}
