using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Snapshots;

/// <summary>
/// The layer rules of image-spec layer.md as a container sees them: each test applies layers to a snapshotter and
/// looks at the assembled rootfs, so the overlay driver (whiteout devices and opaque xattrs read by the kernel)
/// and the copy driver (whiteouts applied to a full tree) are held to the same result.
/// </summary>
public abstract partial class SnapshotterConformance<T>
{
    private static string[] Names(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    private void WithImage(Digest top, Action<string> check)
    {
        string container = Path.Combine(Work, "c-" + Guid.NewGuid().ToString("N"));
        WithRootfs(Snapshots.PrepareRootfs(top, Path.Combine(container, "upper"), Path.Combine(container, "work")), check);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Whiteout_hides_the_lower_file_but_not_the_same_layers_file(bool whiteoutFirst)
    {
        var l1 = await Apply(null, new TarBuilder().Dir("etc").File("etc/motd", "lower").File("etc/issue", "lower").Build());
        var l2 = await Apply(l1, whiteoutFirst
            ? new TarBuilder().Whiteout("etc/.wh.motd").File("etc/motd", "upper").Whiteout("etc/.wh.issue").Build()
            : new TarBuilder().File("etc/motd", "upper").Whiteout("etc/.wh.motd").Whiteout("etc/.wh.issue").Build());
        WithImage(l2, root =>
        {
            Assert.Equal(["motd"], Names(Path.Combine(root, "etc")));
            Assert.Equal("upper", File.ReadAllText(Path.Combine(root, "etc/motd")));
        });
    }

    [Theory]
    [InlineData("whiteout, dir, child")]
    [InlineData("dir, child, whiteout")]
    [InlineData("whiteout, child")]
    [InlineData("child, whiteout")]
    public async Task Directory_recreated_in_the_layer_that_whites_it_out_shows_only_its_new_content(string order)
    {
        var l1 = await Apply(null, new TarBuilder().Dir("d", mode: 0b111_000_000, uid: 5).File("d/old", "o").Dir("d/sub").File("d/sub/deep", "o").Build());
        var b = new TarBuilder();
        switch (order)
        {
            case "whiteout, dir, child": b.Whiteout(".wh.d").Dir("d", mode: 0b111_101_000).File("d/new", "n"); break;
            case "dir, child, whiteout": b.Dir("d", mode: 0b111_101_000).File("d/new", "n").Whiteout(".wh.d"); break;
            case "whiteout, child": b.Whiteout(".wh.d").File("d/new", "n"); break;
            default: b.File("d/new", "n").Whiteout(".wh.d"); break;
        }
        var l2 = await Apply(l1, b.Build());
        WithImage(l2, root =>
        {
            Assert.Equal(["new"], Names(Path.Combine(root, "d")));
            // Listed: its own metadata. Only implied: the defaults — the lower d, whose metadata it could lend, is deleted.
            var st = LayerFixture.LStat(Path.Combine(root, "d"));
            Assert.Equal(order.Contains("dir") ? (0b111_101_000u, 0u) : (0b111_101_101u, 0u), (st.Permissions, st.Uid));
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Opaque_marker_hides_every_lower_descendant_whatever_its_place_in_the_tar(bool markerFirst)
    {
        var l1 = await Apply(null, new TarBuilder().Dir("var").File("var/gone", "o").Dir("var/lib").File("var/lib/old", "o")
            .Dir("var/lib/deep").File("var/lib/deep/x", "o").Dir("var/cache", mode: 0b111_000_000, uid: 5).Build());
        var b = new TarBuilder();
        if (markerFirst)
        {
            b.Whiteout("var/.wh..wh..opq");
        }
        b.Dir("var").Dir("var/lib").File("var/lib/new", "n").File("var/cache/implicit", "i");
        if (!markerFirst)
        {
            b.Whiteout("var/.wh..wh..opq");
        }
        var l2 = await Apply(l1, b.Build());
        WithImage(l2, root =>
        {
            Assert.Equal(["cache", "lib"], Names(Path.Combine(root, "var")));
            Assert.Equal(["new"], Names(Path.Combine(root, "var/lib")));
            Assert.Equal(["implicit"], Names(Path.Combine(root, "var/cache")));
            // var/cache is implicit in the upper layer and its lower namesake is hidden: defaults, not uid 5 / 0700.
            var cache = LayerFixture.LStat(Path.Combine(root, "var/cache"));
            Assert.Equal((0u, 0b111_101_101u), (cache.Uid, cache.Permissions));
        });
    }

    [Fact]
    public async Task Directory_an_upper_layer_changes_without_listing_it_keeps_its_metadata()
    {
        // umoci and buildah list only what changed: "srv/b" and "srv/.wh.a", not "srv" itself.
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        var l1 = await Apply(null, new TarBuilder().Dir("srv", mode: 0b111_000_000, uid: 33, gid: 34, mtime: mtime).File("srv/a", "a")
            .Dir("srv/deep", mtime: mtime).Build());
        var l2 = await Apply(l1, new TarBuilder().File("srv/b", "b").Whiteout("srv/.wh.a").File("srv/deep/new/x", "x").Build());
        WithImage(l2, root =>
        {
            Assert.Equal(["b", "deep"], Names(Path.Combine(root, "srv")));
            var srv = LayerFixture.LStat(Path.Combine(root, "srv"));
            Assert.Equal((0b111_000_000u, 33u, 34u, mtime.ToUnixTimeSeconds()), (srv.Permissions, srv.Uid, srv.Gid, srv.MtimeSeconds));
            Assert.Equal(mtime.ToUnixTimeSeconds(), LayerFixture.LStat(Path.Combine(root, "srv/deep")).MtimeSeconds);
        });
    }

    [Fact]
    public async Task Directory_over_directory_merges_and_takes_the_new_metadata()
    {
        var l1 = await Apply(null, new TarBuilder().Dir("d", mode: 0b111_101_101).File("d/lower", "l").Build());
        var l2 = await Apply(l1, new TarBuilder().Dir("d", mode: 0b111_000_000, uid: 7, gid: 8).File("d/upper", "u").Build());
        WithImage(l2, root =>
        {
            Assert.Equal(["lower", "upper"], Names(Path.Combine(root, "d")));
            var st = LayerFixture.LStat(Path.Combine(root, "d"));
            Assert.Equal((0b111_000_000u, 7u, 8u), (st.Permissions, st.Uid, st.Gid));
        });
    }

    [Theory]
    [InlineData("file over dir")]
    [InlineData("symlink over dir")]
    [InlineData("dir over file")]
    [InlineData("dir over symlink")]
    public async Task Anything_but_directory_over_directory_replaces_the_lower_path(string change)
    {
        var lower = change.EndsWith("dir", StringComparison.Ordinal) ? new TarBuilder().Dir("p").File("p/child", "c")
            : change.EndsWith("file", StringComparison.Ordinal) ? new TarBuilder().File("p", "old") : new TarBuilder().Dir("t").Symlink("p", "t");
        var upper = change.StartsWith("file", StringComparison.Ordinal) ? new TarBuilder().File("p", "new")
            : change.StartsWith("symlink", StringComparison.Ordinal) ? new TarBuilder().Symlink("p", "/nowhere") : new TarBuilder().Dir("p").File("p/mine", "m");
        var l1 = await Apply(null, lower.Build());
        var l2 = await Apply(l1, upper.Build());
        WithImage(l2, root =>
        {
            string p = Path.Combine(root, "p");
            var st = LayerFixture.LStat(p);
            switch (change)
            {
                case "file over dir": Assert.True(st.IsRegular); Assert.Equal("new", File.ReadAllText(p)); break;
                case "symlink over dir": Assert.True(st.IsSymlink); Assert.Equal("/nowhere", new FileInfo(p).LinkTarget); break;
                default: Assert.True(st.IsDirectory); Assert.Equal(["mine"], Names(p)); break;
            }
        });
    }

    [Fact]
    public async Task Hardlink_into_a_lower_layer_is_refused_and_leaves_nothing()
    {
        var l1 = await Apply(null, new TarBuilder().File("target", "t").Build());
        var layer = Layer(new TarBuilder().Hardlink("link", "target").Build());
        var ex = await Assert.ThrowsAsync<ContainerRuntimeException>(() =>
            Snapshots.EnsureAsync(ChainIds.Next(l1, layer.DiffId), l1, layer, CancellationToken.None));
        Assert.Equal(LayerErrors.HardlinkEscape, ex.ErrorId);
        Assert.False(Snapshots.Exists(ChainIds.Next(l1, layer.DiffId)));
        Assert.Single(Snapshots.List());
    }

    [Fact]
    public async Task Rootfs_of_a_chain_whose_parent_was_removed_is_not_found()
    {
        var l1 = await Apply(null, new TarBuilder().File("a").Build());
        var l2 = await Apply(l1, new TarBuilder().File("b").Build());
        Assert.True(Snapshots.Remove(l1));
        var ex = Assert.Throws<ContainerRuntimeException>(() => Snapshots.PrepareRootfs(l2, Path.Combine(Work, "u"), Path.Combine(Work, "w")));
        Assert.Equal(("SnapshotNotFound", ErrorKind.NotFound), (ex.ErrorId, ex.Kind));
        Assert.Contains(l1.ToString(), ex.Message);
    }

    [Fact]
    public async Task Snapshots_committed_without_recorded_ancestors_still_assemble()
    {
        // Stores written before info.json recorded the ancestors: the chain is walked parent by parent.
        var l1 = await Apply(null, new TarBuilder().File("a", "1").Build());
        var l2 = await Apply(l1, new TarBuilder().File("b", "2").Build());
        var l3 = await Apply(l2, new TarBuilder().File("c", "3").Build());
        foreach (var id in new[] { l2, l3 })
        {
            string info = Path.Combine(Snapshots.Root, id.Encoded, "info.json");
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(info))!.AsObject();
            Assert.True(json.Remove("ancestors"));
            File.WriteAllText(info, json.ToJsonString());
        }
        var fresh = Create(Snapshots.Root);
        string container = Path.Combine(Work, "old-store");
        WithRootfs(fresh.PrepareRootfs(l3, Path.Combine(container, "upper"), Path.Combine(container, "work")),
            root => Assert.Equal(["a", "b", "c", .. RuntimeMountPoints], Names(root)));
    }
}
