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
}
