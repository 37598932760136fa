using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Snapshots;

public sealed class CopySnapshotterTests : SnapshotterConformance<CopySnapshotter>
{
    protected override CopySnapshotter Create(string root, LayerUnpackOptions? options = null) => new(root, options);

    protected override void WithRootfs(IReadOnlyList<Mount> mounts, Action<string> check)
    {
        // A bind mount shows its source unchanged; the test reads the source directly.
        var mount = Assert.Single(mounts);
        Assert.Equal("bind", mount.Type);
        Assert.Equal(["rbind", "rw"], mount.Options);
        check(mount.Source);
    }

    [Fact]
    public async Task Snapshot_is_a_full_copy_preserving_metadata_and_hardlinks()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("bin").File("bin/su", "elf", mode: 0b100_111_101_101).Hardlink("bin/su2", "bin/su", 0b100_111_101_101)
            .Symlink("sh", "/bin/su").Char("null", 1, 3).Dir("owned", uid: 5, gid: 6).Build());
        var l2 = await Apply(l1, new TarBuilder().File("new").Build());
        string fs = Snapshots.Stat(l2)!.Directory;
        Assert.Equal(0b100_111_101_101u, LayerFixture.LStat(Path.Combine(fs, "bin/su")).Permissions);
        Assert.Equal(LayerFixture.LStat(Path.Combine(fs, "bin/su")).Inode, LayerFixture.LStat(Path.Combine(fs, "bin/su2")).Inode);
        Assert.Equal("/bin/su", new FileInfo(Path.Combine(fs, "sh")).LinkTarget);
        Assert.Equal((1u, 3u), (LayerFixture.LStat(Path.Combine(fs, "null")).Major, LayerFixture.LStat(Path.Combine(fs, "null")).Minor));
        Assert.Equal((5u, 6u), (LayerFixture.LStat(Path.Combine(fs, "owned")).Uid, LayerFixture.LStat(Path.Combine(fs, "owned")).Gid));
        Assert.Equal(
            LayerFixture.Describe(Snapshots.Stat(l1)!.Directory),
            LayerFixture.Describe(fs).Replace("\nnew 81a4 0 " + TarBuilder.DefaultTime.ToUnixTimeSeconds(), ""));
    }

    [Fact]
    public async Task Snapshots_share_file_data_with_their_parent_but_a_container_gets_its_own_copy()
    {
        var l1 = await Apply(null, new TarBuilder().File("shared", "data").File("replaced", "old").Build());
        var l2 = await Apply(l1, new TarBuilder().File("replaced", "new").Build());
        string fs1 = Snapshots.Stat(l1)!.Directory, fs2 = Snapshots.Stat(l2)!.Directory;
        Assert.Equal(LayerFixture.LStat(Path.Combine(fs1, "shared")).Inode, LayerFixture.LStat(Path.Combine(fs2, "shared")).Inode);
        // The upper layer's file replaced the name; the parent's file is untouched.
        Assert.Equal("old", File.ReadAllText(Path.Combine(fs1, "replaced")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(fs2, "replaced")));
        var mount = Assert.Single(Snapshots.PrepareRootfs(l2, Path.Combine(Work, "c", "upper"), Path.Combine(Work, "c", "work")));
        File.AppendAllText(Path.Combine(mount.Source, "shared"), " changed by the container");
        Assert.Equal("data", File.ReadAllText(Path.Combine(fs1, "shared")));
        Assert.Equal("data", File.ReadAllText(Path.Combine(fs2, "shared")));
    }
}
