using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Snapshots;

/// <summary>What a container changed (docker diff), read back from each driver's directories after real writes through the rootfs.</summary>
public abstract partial class SnapshotterConformance<T>
{
    [Fact]
    public async Task Changes_made_through_the_rootfs_are_read_back_as_docker_diff_reports_them()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("etc").File("etc/passwd", "root").File("etc/motd", "hi").Dir("bin").File("bin/sh", "sh")
            .Dir("var").Dir("var/cache").File("var/cache/old", "o").Dir("var/cache/sub").File("var/cache/sub/x", "x").Dir("srv").File("srv/keep", "k").Build());
        var l2 = await Apply(l1, new TarBuilder().File("etc/hostname", "box").Build());
        string container = Path.Combine(Work, "changed");
        var mounts = Snapshots.PrepareRootfs(l2, Path.Combine(container, "upper"), Path.Combine(container, "work"));
        WithRootfs(mounts, root =>
        {
            File.WriteAllText(Path.Combine(root, "etc/new"), "n");
            File.AppendAllText(Path.Combine(root, "etc/passwd"), "\nuser");
            File.Delete(Path.Combine(root, "etc/motd"));
            File.Delete(Path.Combine(root, "bin/sh"));
            Directory.Delete(Path.Combine(root, "var/cache"), recursive: true);
            Directory.CreateDirectory(Path.Combine(root, "var/cache"));
            File.WriteAllText(Path.Combine(root, "var/cache/fresh"), "f");
            Directory.CreateDirectory(Path.Combine(root, "newdir/inner"));
            Directory.CreateDirectory(Path.Combine(root, "proc")); // a runtime mount point: not the container's doing
        });
        var changes = ChangeScanner.Scan("c1", mounts, () => Snapshots.Stat(l2)!.Directory, new HashSet<string> { "/proc" });
        Assert.Equal(
            ["C /bin", "D /bin/sh", "C /etc", "D /etc/motd", "A /etc/new", "C /etc/passwd", "A /newdir", "A /newdir/inner",
                "C /var", "C /var/cache", "A /var/cache/fresh", "D /var/cache/old", "D /var/cache/sub"],
            changes.Select(c => c.ToString()).ToArray());
        Assert.All(changes, c => Assert.Equal("c1", c.Container));
        Assert.Equal(Runtime.Layers.LayerEntryType.Directory, changes.Single(c => c.Path == "/var/cache/sub").Type);
        Assert.Equal(Runtime.Layers.LayerEntryType.File, changes.Single(c => c.Path == "/etc/motd").Type);
    }

    [Fact]
    public async Task An_untouched_container_has_no_changes()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("etc").File("etc/passwd", "root").Symlink("sh", "/bin/busybox").Char("null", 1, 3).Build());
        string container = Path.Combine(Work, "untouched");
        var mounts = Snapshots.PrepareRootfs(l1, Path.Combine(container, "upper"), Path.Combine(container, "work"));
        WithRootfs(mounts, root => Assert.True(File.Exists(Path.Combine(root, "etc/passwd"))));
        Assert.Empty(ChangeScanner.Scan("c2", mounts, () => Snapshots.Stat(l1)!.Directory, new HashSet<string>()));
    }
}
