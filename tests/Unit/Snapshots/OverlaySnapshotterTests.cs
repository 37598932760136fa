using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Snapshots;

public sealed class OverlaySnapshotterTests : SnapshotterConformance<OverlaySnapshotter>
{
    protected override OverlaySnapshotter Create(string root, LayerUnpackOptions? options = null) => new(root, options);

    protected override IReadOnlyList<string> RuntimeMountPoints => SnapshotStore.InitDirectories;

    protected override void WithRootfs(IReadOnlyList<Mount> mounts, Action<string> check)
    {
        var mount = Assert.Single(mounts);
        OverlayMountHelper.WithMount(mount, Path.Combine(Work, "mnt-" + Guid.NewGuid().ToString("N")), check);
    }

    [Fact]
    public async Task Lowerdirs_are_the_init_directory_then_the_chain_top_first_then_upper_and_work()
    {
        var l1 = await Apply(null, new TarBuilder().File("a").Build());
        var l2 = await Apply(l1, new TarBuilder().File("b").Build());
        var mount = Assert.Single(Snapshots.PrepareRootfs(l2, Path.Combine(Work, "u"), Path.Combine(Work, "w")));
        Assert.Equal(("overlay", "overlay"), (mount.Type, mount.Source));
        Assert.Equal(
            [
                "lowerdir+=" + Path.Combine(Snapshots.Root, "init-1", "fs"),
                "lowerdir+=" + Snapshots.Stat(l2)!.Directory,
                "lowerdir+=" + Snapshots.Stat(l1)!.Directory,
                "upperdir=" + Path.Combine(Work, "u"),
                "workdir=" + Path.Combine(Work, "w"),
            ],
            mount.Options);
        Assert.True(Directory.Exists(Path.Combine(Work, "w")));
    }

    [Fact]
    public async Task Ephemeral_rootfs_is_volatile_and_can_be_mounted_again_once_its_marker_is_cleared()
    {
        var l1 = await Apply(null, new TarBuilder().File("a", "a").Build());
        Assert.DoesNotContain(OverlaySnapshotter.VolatileOption, Assert.Single(Snapshots.PrepareRootfs(l1, Path.Combine(Work, "k"), Path.Combine(Work, "kw"))).Options!);
        var mount = Assert.Single(Snapshots.PrepareRootfs(l1, Path.Combine(Work, "u"), Path.Combine(Work, "w"), ephemeral: true));
        Assert.Equal(OverlaySnapshotter.VolatileOption, mount.Options![^1]);

        WithRootfs([mount], root => File.WriteAllText(Path.Combine(root, "b"), "1"));
        Assert.True(Directory.Exists(Path.Combine(Work, "w", "work", "incompat", "volatile")), "the kernel marks a volatile upper");
        OverlaySnapshotter.ClearVolatileMarker(mount); // a second run of the container (restart)
        WithRootfs([mount], root => Assert.Equal("1", File.ReadAllText(Path.Combine(root, "b"))));
    }

    [Fact]
    public async Task The_runtimes_mount_points_come_from_one_init_directory_shared_by_every_rootfs()
    {
        var l1 = await Apply(null, new TarBuilder().File("bin/sh", "x").Build());
        var mount = Assert.Single(Snapshots.PrepareRootfs(l1, Path.Combine(Work, "u"), Path.Combine(Work, "w")));
        WithRootfs([mount], root =>
        {
            Assert.Equal(["bin", "dev", "proc", "sys"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Order());
            foreach (string directory in new[] { "dev", "proc", "sys" })
            {
                Assert.Equal((UnixFileMode)0x1ed, File.GetUnixFileMode(Path.Combine(root, directory)));
            }
        });
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Work, "u")));

        // One copy for every container, and for an image without layers too.
        var empty = Assert.Single(Snapshots.PrepareRootfs(null, Path.Combine(Work, "u2"), Path.Combine(Work, "w2")));
        Assert.Equal(mount.Options![0], empty.Options![0]);
        Assert.Equal(["init-1"], Directory.EnumerateDirectories(Snapshots.Root, "init*").Select(Path.GetFileName));
    }

    [Fact]
    public async Task Single_layer_image_is_still_an_overlay()
    {
        var l1 = await Apply(null, new TarBuilder().File("a", "a").Build());
        var mount = Assert.Single(Snapshots.PrepareRootfs(l1, Path.Combine(Work, "u"), Path.Combine(Work, "w")));
        Assert.Equal("overlay", mount.Type);
        WithRootfs([mount], root => File.WriteAllText(Path.Combine(root, "a"), "changed"));
        Assert.Equal("a", File.ReadAllText(Path.Combine(Snapshots.Stat(l1)!.Directory, "a")));
        Assert.Equal("changed", File.ReadAllText(Path.Combine(Work, "u", "a")));
    }

    [Fact]
    public async Task Implicit_parent_directory_takes_the_lower_layers_metadata()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("srv", mode: 0b111_000_000, uid: 33, gid: 33).Build());
        var l2 = await Apply(l1, new TarBuilder().File("srv/index.html", "x").Build());
        var st = LayerFixture.LStat(Path.Combine(Snapshots.Stat(l2)!.Directory, "srv"));
        Assert.Equal((33u, 33u, 0b111_000_000u), (st.Uid, st.Gid, st.Permissions));
        Assert.Equal(LayerFixture.LStat(Path.Combine(Snapshots.Stat(l1)!.Directory, "srv")).MtimeSeconds, st.MtimeSeconds);
    }
}
