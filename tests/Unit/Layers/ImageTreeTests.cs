using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Layers;

/// <summary>An image's files computed from its layers' entry lists, and the comparison of two images.</summary>
public sealed class ImageTreeTests
{
    private static ImageTree Tree(params byte[][] layers)
    {
        var tree = new ImageTree();
        for (int i = 0; i < layers.Length; i++)
        {
            tree.Apply(LayerContents.Read(new MemoryStream(layers[i]), MediaTypes.OciLayer, $"layer{i}", i, hashContent: true));
        }
        return tree;
    }

    private static string[] Paths(ImageTree tree) => tree.Entries.Select(e => e.Key).ToArray();

    [Fact]
    public void Whiteouts_and_opaque_markers_hide_lower_layers_only()
    {
        var tree = Tree(
            new TarBuilder().Dir("etc").File("etc/motd", "1").File("etc/issue", "1").Dir("var").Dir("var/lib").File("var/lib/old").Build(),
            new TarBuilder().File("etc/motd", "2").Whiteout("etc/.wh.motd").Whiteout("etc/.wh.issue").Dir("var/lib").File("var/lib/new")
                .Whiteout("var/.wh..wh..opq").Build());
        Assert.Equal(["/etc", "/etc/motd", "/var", "/var/lib", "/var/lib/new"], Paths(tree));
        Assert.Equal(1, tree["/etc/motd"]!.LayerIndex);
        Assert.Equal(0, tree["/etc"]!.LayerIndex);
    }

    [Fact]
    public void Non_directory_over_a_directory_takes_its_descendants_away()
    {
        var tree = Tree(new TarBuilder().Dir("p").File("p/child").Dir("q").File("q/kept").Build(),
            new TarBuilder().File("p", "now a file").Dir("q", mode: 0b111_000_000).Build());
        Assert.Equal(["/p", "/q", "/q/kept"], Paths(tree));
        Assert.Equal(LayerEntryType.File, tree["/p"]!.Type);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, tree["/q"]!.Mode);
    }

    [Fact]
    public void Comparison_reports_added_deleted_and_changed_with_the_layers_responsible()
    {
        byte[] base0 = new TarBuilder().Dir("bin").File("bin/sh", "shell", mode: 0b111_101_101).File("bin/ls", "ls").Build();
        var reference = Tree(base0, new TarBuilder().File("app", "v1").File("conf", "same").Build());
        var difference = Tree(base0,
            new TarBuilder().File("app", "v2").File("conf", "same").File("bin/sh", "shell", mode: 0b100_111_101_101).Whiteout("bin/.wh.ls").Build(),
            new TarBuilder().File("new", "n").Build());
        var diffs = ImageTreeComparer.Compare(reference, difference).ToList();
        Assert.Equal(["C /app", "D /bin/ls", "C /bin/sh", "A /new"], diffs.Select(d => d.ToString()).ToArray());
        var app = diffs[0];
        Assert.Equal(["Content"], app.Properties);
        Assert.Equal((1, 1), (app.ReferenceLayer!.Value, app.DifferenceLayer!.Value));
        Assert.Equal(["Mode"], diffs[2].Properties);
        Assert.Equal((0, 1), (diffs[2].ReferenceLayer!.Value, diffs[2].DifferenceLayer!.Value));
        Assert.Equal((ChangeKind.Deleted, 0, (int?)null), (diffs[1].Change, diffs[1].ReferenceLayer!.Value, diffs[1].DifferenceLayer));
        Assert.Equal((ChangeKind.Added, 2), (diffs[3].Change, diffs[3].DifferenceLayer!.Value));
    }

    [Fact]
    public void Comparison_can_be_limited_to_some_properties()
    {
        var a = Tree(new TarBuilder().File("f", "x", mtime: new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)).Build());
        var b = Tree(new TarBuilder().File("f", "x", mtime: new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)).Build());
        Assert.Equal(["Modified"], Assert.Single(ImageTreeComparer.Compare(a, b)).Properties);
        Assert.Empty(ImageTreeComparer.Compare(a, b, ["Content", "Mode", "Owner"]));
    }

    [Fact]
    public void A_file_stored_as_a_hardlink_compares_equal_to_the_same_file_stored_whole()
    {
        var a = Tree(new TarBuilder().File("x", "data").Hardlink("y", "x").Build());
        var b = Tree(new TarBuilder().File("y", "data").Hardlink("x", "y").Build());
        Assert.Empty(ImageTreeComparer.Compare(a, b));
    }

    [Fact]
    public void Clone_is_independent()
    {
        var a = Tree(new TarBuilder().File("x").Build());
        var b = a.Clone();
        b.Apply(LayerContents.Read(new MemoryStream(new TarBuilder().Whiteout(".wh.x").Build()), MediaTypes.OciLayer, "l1", 1));
        Assert.Equal(1, a.Count);
        Assert.Equal(0, b.Count);
    }
}
