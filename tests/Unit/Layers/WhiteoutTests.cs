using PSContainer.Runtime.Layers;
using Xunit;

namespace PSContainer.Tests.Layers;

/// <summary>Whiteouts in both modes: overlay (written as overlayfs reads them) and apply (performed on a full tree).</summary>
public sealed class WhiteoutTests : IDisposable
{
    private static readonly LayerUnpackOptions Apply = new() { WhiteoutMode = WhiteoutMode.Apply };
    private readonly LayerFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Overlay_whiteout_becomes_a_0_0_character_device()
    {
        _f.Unpack(new TarBuilder().Dir("etc").Whiteout("etc/.wh.motd").Whiteout(".wh.gone").Build());
        var st = LayerFixture.LStat(_f.In("etc/motd"));
        Assert.True(st.IsChar);
        Assert.Equal((0u, 0u), (st.Major, st.Minor));
        Assert.True(LayerFixture.LStat(_f.In("gone")).IsChar);
        Assert.False(LayerFixture.Exists(_f.In("etc/.wh.motd")));
        Assert.False(LayerFixture.Exists(_f.In(".wh.gone")));
    }

    [Fact]
    public void Overlay_opaque_marker_sets_the_xattr_and_is_not_created()
    {
        _f.Unpack(new TarBuilder().Dir("var").Whiteout("var/.wh..wh..opq").File("var/new", "n").Build());
        Assert.Equal("y"u8.ToArray(), LayerFixture.Xattrs(_f.In("var"))["trusted.overlay.opaque"]);
        Assert.False(LayerFixture.Exists(_f.In("var/.wh..wh..opq")));
        Assert.True(File.Exists(_f.In("var/new")));
    }

    [Fact]
    public void Opaque_marker_for_a_directory_not_in_the_tar_creates_it()
    {
        _f.Unpack(new TarBuilder().Whiteout("a/b/.wh..wh..opq").Build());
        Assert.True(LayerFixture.LStat(_f.In("a/b")).IsDirectory);
        Assert.Equal("y"u8.ToArray(), LayerFixture.Xattrs(_f.In("a/b"))["trusted.overlay.opaque"]);
    }

    [Fact]
    public void Other_aufs_metadata_is_never_created()
    {
        _f.Unpack(new TarBuilder().Dir(".wh..wh.plnk").Whiteout(".wh..wh.aufs").Build());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Layer));
    }

    [Fact]
    public void Apply_whiteout_deletes_the_lower_path()
    {
        Directory.CreateDirectory(_f.In("etc/deep/er"));
        File.WriteAllText(_f.In("etc/deep/er/f"), "x");
        File.WriteAllText(_f.In("etc/motd"), "x");
        _f.Unpack(new TarBuilder().Whiteout("etc/.wh.motd").Whiteout("etc/.wh.deep").Whiteout(".wh.absent").Build(), Apply);
        Assert.False(LayerFixture.Exists(_f.In("etc/motd")));
        Assert.False(LayerFixture.Exists(_f.In("etc/deep")));
        Assert.False(LayerFixture.Exists(_f.In("etc/.wh.motd")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.In("etc")));
    }

    [Fact]
    public void Apply_opaque_clears_lower_content_but_keeps_this_layers()
    {
        Directory.CreateDirectory(_f.In("var/lib"));
        File.WriteAllText(_f.In("var/old"), "x");
        _f.Unpack(new TarBuilder().Dir("var").File("var/new", "n").Whiteout("var/.wh..wh..opq").File("var/later", "l").Build(), Apply);
        Assert.Equal(new[] { "later", "new" }, Directory.EnumerateFileSystemEntries(_f.In("var")).Select(p => Path.GetFileName(p)!).Order().ToArray());
        Assert.Empty(LayerFixture.Xattrs(_f.In("var")));
    }

    [Theory]
    [InlineData(".wh.")]
    [InlineData("dir/.wh.")]
    [InlineData("dir/.wh..")]
    [InlineData("dir/.wh...")]
    public void Whiteout_with_no_name_is_refused(string name)
    {
        _f.Refused(new TarBuilder().Dir("dir").Whiteout(name).Build(), LayerErrors.InvalidWhiteout);
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Entry_inside_a_whiteout_path_is_refused()
    {
        _f.Refused(new TarBuilder().File(".wh.dir/file", "x").Build(), LayerErrors.InvalidWhiteout);
        Assert.False(LayerFixture.Exists(_f.In(".wh.dir")));
    }

    [Fact]
    public void Whiteout_through_a_symlinked_parent_is_refused_in_overlay_mode()
    {
        // abs -> the canary (absolute), rel -> ../canary: inside the layer both lead nowhere, and no device may be
        // created in the canary.
        _f.Refused(new TarBuilder().Symlink("abs", _f.Canary).Whiteout("abs/.wh.passwd").Build(), LayerErrors.SymlinkEscape);
        _f.Refused(new TarBuilder().Symlink("rel", "../canary").Whiteout("rel/.wh.passwd").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Whiteout_through_a_symlinked_parent_deletes_nothing_outside_in_apply_mode()
    {
        _f.Unpack(new TarBuilder().Symlink("abs", _f.Canary).Symlink("rel", "../canary").Symlink("up", "../..")
            .Whiteout("abs/.wh.passwd").Whiteout("rel/.wh.passwd").Whiteout("rel/.wh..wh..opq").Whiteout("up/.wh.canary").Build(), Apply);
        _f.AssertOutsideUntouched();
        Assert.True(LayerFixture.LStat(_f.In("up")).IsSymlink); // "up" resolves to the layer root, which has no "canary"
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Whiteout_does_not_hide_a_file_of_its_own_layer_in_either_order(bool whiteoutFirst)
    {
        var tar = whiteoutFirst
            ? new TarBuilder().Dir("etc").Whiteout("etc/.wh.motd").File("etc/motd", "mine").Build()
            : new TarBuilder().Dir("etc").File("etc/motd", "mine").Whiteout("etc/.wh.motd").Build();
        _f.Unpack(tar);
        Assert.True(LayerFixture.LStat(_f.In("etc/motd")).IsRegular);
        Assert.Equal("mine", File.ReadAllText(_f.In("etc/motd")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Whiteout_does_not_hide_a_file_of_its_own_layer_in_apply_mode(bool whiteoutFirst)
    {
        File.WriteAllText(_f.In("motd"), "lower");
        var tar = whiteoutFirst
            ? new TarBuilder().Whiteout(".wh.motd").File("motd", "mine").Build()
            : new TarBuilder().File("motd", "mine").Whiteout(".wh.motd").Build();
        _f.Unpack(tar, Apply);
        Assert.Equal("mine", File.ReadAllText(_f.In("motd")));
    }

    [Theory]
    [InlineData("whiteout-dir-child")]
    [InlineData("dir-child-whiteout")]
    [InlineData("whiteout-child")]
    public void Whiteout_and_a_directory_of_the_same_layer_make_the_directory_opaque(string order)
    {
        var b = new TarBuilder();
        switch (order)
        {
            case "whiteout-dir-child": b.Whiteout(".wh.d").Dir("d", mode: 0b111_000_000).File("d/new", "n"); break;
            case "dir-child-whiteout": b.Dir("d", mode: 0b111_000_000).File("d/new", "n").Whiteout(".wh.d"); break;
            case "whiteout-child": b.Whiteout(".wh.d").File("d/new", "n"); break;
        }
        _f.Unpack(b.Build());
        var st = LayerFixture.LStat(_f.In("d"));
        Assert.True(st.IsDirectory);
        Assert.Equal("y"u8.ToArray(), LayerFixture.Xattrs(_f.In("d"))["trusted.overlay.opaque"]);
        Assert.Equal("n", File.ReadAllText(_f.In("d/new")));
        Assert.Equal(order == "whiteout-child" ? 0b111_101_101u : 0b111_000_000u, st.Permissions);
    }

    [Theory]
    [InlineData("whiteout-dir-child")]
    [InlineData("dir-child-whiteout")]
    [InlineData("whiteout-child")]
    public void Whiteout_and_a_directory_of_the_same_layer_replace_the_lower_directory_in_apply_mode(string order)
    {
        Directory.CreateDirectory(_f.In("d/sub"));
        File.WriteAllText(_f.In("d/old"), "o");
        File.WriteAllText(_f.In("d/sub/deep"), "o");
        var b = new TarBuilder();
        switch (order)
        {
            case "whiteout-dir-child": b.Whiteout(".wh.d").Dir("d").File("d/new", "n"); break;
            case "dir-child-whiteout": b.Dir("d").File("d/new", "n").Whiteout(".wh.d"); break;
            case "whiteout-child": b.Whiteout(".wh.d").File("d/new", "n"); break;
        }
        _f.Unpack(b.Build(), Apply);
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(_f.In("d")).Select(p => Path.GetFileName(p)!).ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Apply_opaque_hides_every_lower_descendant_wherever_the_marker_is(bool markerFirst)
    {
        // layer.md: the opaque marker is applied before the directory's other entries, whatever the tar order, and
        // hides all lower descendants — also those inside a subdirectory this layer lists again.
        Directory.CreateDirectory(_f.In("var/lib/deep"));
        File.WriteAllText(_f.In("var/lib/old"), "o");
        File.WriteAllText(_f.In("var/lib/deep/x"), "o");
        File.WriteAllText(_f.In("var/gone"), "o");
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
        _f.Unpack(b.Build(), Apply);
        Assert.Equal(["cache", "lib"], Directory.EnumerateFileSystemEntries(_f.In("var")).Select(p => Path.GetFileName(p)!).Order().ToArray());
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(_f.In("var/lib")).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.Equal("i", File.ReadAllText(_f.In("var/cache/implicit")));
    }

    [Fact]
    public void Overlay_whiteout_of_a_whiteout_is_one_device()
    {
        _f.Unpack(new TarBuilder().Whiteout(".wh.x").Whiteout(".wh.x").Build());
        Assert.True(LayerFixture.LStat(_f.In("x")).IsChar);
    }

    [Fact]
    public void Opaque_marker_through_a_symlinked_parent_marks_nothing_outside()
    {
        _f.Refused(new TarBuilder().Symlink("abs", _f.Canary).Whiteout("abs/.wh..wh..opq").Build(), LayerErrors.SymlinkEscape);
        _f.Refused(new TarBuilder().Symlink("rel", "../canary").Whiteout("rel/.wh..wh..opq").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.Empty(LayerFixture.Xattrs(_f.Canary));
        _f.Unpack(new TarBuilder().Symlink("up", "../..").Whiteout("up/.wh..wh..opq").Build(), Apply);
        _f.AssertOutsideUntouched();
        Assert.True(File.Exists(Path.Combine(_f.Canary, "passwd")));
    }

    [Theory]
    [InlineData(WhiteoutMode.Overlay)]
    [InlineData(WhiteoutMode.Apply)]
    public void Whiteout_below_a_path_the_same_layer_made_a_file_is_moot(WhiteoutMode mode)
    {
        // umoci writes this when a directory became a file: "d" (the file), then "d/.wh.x" for the lower d/x.
        if (mode == WhiteoutMode.Apply)
        {
            Directory.CreateDirectory(_f.In("d"));
            File.WriteAllText(_f.In("d/x"), "lower");
        }
        _f.Unpack(new TarBuilder().File("d", "now a file").Whiteout("d/.wh.x").Whiteout(".wh.gone").Whiteout("gone/.wh.y")
            .Whiteout("gone/.wh..wh..opq").Build(), new LayerUnpackOptions { WhiteoutMode = mode });
        Assert.Equal("now a file", File.ReadAllText(_f.In("d")));
        Assert.Equal(mode == WhiteoutMode.Overlay, LayerFixture.Exists(_f.In("gone")) && LayerFixture.LStat(_f.In("gone")).IsChar);
        _f.AssertOutsideUntouched();
    }
}
