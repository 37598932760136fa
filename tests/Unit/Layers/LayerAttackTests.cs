using PSContainer.Runtime.Layers;
using Xunit;

namespace PSContainer.Tests.Layers;

/// <summary>
/// Hostile layers, one test per attack, named after it. Each asserts the refusal (or the confinement) and that nothing
/// outside the layer directory — the sibling canary in particular — was created, changed or followed.
/// </summary>
public sealed class LayerAttackTests : IDisposable
{
    private readonly LayerFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("../escaped")]
    [InlineData("../canary/passwd")]
    [InlineData("a/../../escaped")]
    [InlineData("./../escaped")]
    public void Dot_dot_entry_is_refused(string name)
    {
        var ex = _f.Refused(new TarBuilder().File(name, "pwned").Build(), LayerErrors.PathEscape);
        Assert.Contains(name, ex.Message);
        Assert.Contains("sha256:test", ex.Message);
        _f.AssertOutsideUntouched();
        Assert.False(LayerFixture.Exists(Path.Combine(_f.Root, "escaped")));
    }

    [Fact]
    public void Absolute_path_entry_is_confined_to_the_layer_root()
    {
        string target = Path.Combine(_f.Canary, "passwd");
        _f.Unpack(new TarBuilder().File(target, "pwned").File("/passwd-psc-test", "x").Build());
        _f.AssertOutsideUntouched();
        Assert.Equal("pwned", File.ReadAllText(_f.In(target.TrimStart('/'))));
        Assert.True(File.Exists(_f.In("passwd-psc-test")));
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../../etc")]
    [InlineData("../canary")]
    [InlineData("ABS-CANARY")]
    public void Symlink_parent_then_entry_through_it_is_refused(string linkTarget)
    {
        // The classic: "link -> outside", then "link/passwd". The parent is resolved with RESOLVE_IN_ROOT, so the
        // link means what it would inside the container — a path inside the layer — and there it leads nowhere:
        // the unpacker refuses to create directories through a dangling symlink rather than follow it anywhere.
        string target = linkTarget == "ABS-CANARY" ? _f.Canary : linkTarget;
        _f.Refused(new TarBuilder().Symlink("link", target).File("link/passwd", "pwned").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.Equal(["link"], Directory.EnumerateFileSystemEntries(_f.Layer).Select(p => Path.GetFileName(p)!).ToArray());
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../../../etc")]
    [InlineData("etc")]
    public void Symlink_parent_to_a_directory_of_the_layer_is_followed_inside_the_layer(string linkTarget)
    {
        _f.Unpack(new TarBuilder().Dir("etc").Symlink("link", linkTarget).File("link/passwd", "inside").Build());
        _f.AssertOutsideUntouched();
        Assert.Equal("inside", File.ReadAllText(_f.In("etc/passwd")));
        Assert.True(LayerFixture.LStat(_f.In("link")).IsSymlink);
    }

    [Fact]
    public void Symlink_parent_dangling_then_entry_through_it_is_refused()
    {
        _f.Refused(new TarBuilder().Symlink("link", "/does/not/exist").File("link/passwd", "pwned").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.False(LayerFixture.Exists(_f.In("does")));
    }

    [Fact]
    public void File_as_parent_is_refused()
    {
        _f.Refused(new TarBuilder().File("f", "x").File("f/child", "y").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Symlink_chain_through_several_links_is_confined()
    {
        _f.Unpack(new TarBuilder().Symlink("a", "b/../../..").Dir("b").Symlink("b/c", "/../../canary").File("a/canary/passwd", "p1").File("b/c/passwd", "p2").Build());
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Symlink_named_dot_is_refused()
    {
        _f.Refused(new TarBuilder().Symlink(".", _f.Canary).File("passwd", "pwned").Build(), LayerErrors.PathEscape);
        _f.AssertOutsideUntouched();
        _f.Refused(new TarBuilder().Symlink("./", "/").Build(), LayerErrors.PathEscape);
        _f.Refused(new TarBuilder().File("a/..", "x").Build(), LayerErrors.PathEscape);
    }

    [Theory]
    [InlineData("../canary/passwd")]
    [InlineData("a/../../canary/passwd")]
    public void Hardlink_to_a_path_outside_is_refused(string target)
    {
        _f.Refused(new TarBuilder().Hardlink("stolen", target).Build(), LayerErrors.HardlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.Equal(1ul, LayerFixture.LStat(Path.Combine(_f.Canary, "passwd")).Links);
    }

    [Fact]
    public void Hardlink_to_an_absolute_host_path_links_inside_the_layer_or_fails()
    {
        // "/canary/passwd" (absolute) means <layer>/<...>/canary/passwd; it does not exist in the layer.
        _f.Refused(new TarBuilder().Hardlink("stolen", Path.Combine(_f.Canary, "passwd")).Build(), LayerErrors.HardlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.Equal(1ul, LayerFixture.LStat(Path.Combine(_f.Canary, "passwd")).Links);
    }

    [Fact]
    public void Hardlink_through_a_symlinked_parent_is_confined()
    {
        _f.Refused(new TarBuilder().Symlink("up", "..").Hardlink("stolen", "up/canary/passwd").Build(), LayerErrors.HardlinkEscape);
        _f.Refused(new TarBuilder().Symlink("abs", _f.Canary).Hardlink("stolen2", "abs/passwd").Build(), LayerErrors.HardlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.Equal(1ul, LayerFixture.LStat(Path.Combine(_f.Canary, "passwd")).Links);
    }

    [Fact]
    public void Hardlink_then_write_through_it_does_not_reach_a_replaced_target()
    {
        // A file entry over an existing hardlink replaces the name; it never writes through into the shared inode.
        _f.Unpack(new TarBuilder().File("orig", "original").Hardlink("alias", "orig").File("alias", "rewritten").Build());
        Assert.Equal("original", File.ReadAllText(_f.In("orig")));
        Assert.Equal("rewritten", File.ReadAllText(_f.In("alias")));
    }

    [Fact]
    public void Duplicate_entries_symlink_then_file_never_write_through_the_link()
    {
        _f.Unpack(new TarBuilder().File("p", "1").Symlink("p", Path.Combine(_f.Canary, "passwd")).File("p", "pwned").Build());
        _f.AssertOutsideUntouched();
        Assert.True(LayerFixture.LStat(_f.In("p")).IsRegular);
        Assert.Equal("pwned", File.ReadAllText(_f.In("p")));
    }

    [Fact]
    public void Duplicate_entries_symlink_then_directory_replace_the_link()
    {
        _f.Unpack(new TarBuilder().Symlink("d", _f.Canary).Dir("d", mode: 0b111_000_000).File("d/passwd", "pwned").Build());
        _f.AssertOutsideUntouched();
        Assert.True(LayerFixture.LStat(_f.In("d")).IsDirectory);
    }

    [Fact]
    public void Device_over_symlink_does_not_follow_it()
    {
        _f.Unpack(new TarBuilder().Symlink("n", Path.Combine(_f.Canary, "passwd")).Fifo("n").Build());
        _f.AssertOutsideUntouched();
        Assert.True(LayerFixture.LStat(_f.In("n")).IsFifo);
    }

    [Fact]
    public void Xattr_on_a_symlink_entry_changes_the_link_not_its_target()
    {
        var tar = TarBuilder.Python("add('l', type=tarfile.SYMTYPE, link=" + "'" + Path.Combine(_f.Canary, "passwd") + "'"
            + ", pax={'SCHILY.xattr.trusted.pwned': 'y'})");
        _f.Unpack(tar);
        _f.AssertOutsideUntouched();
        Assert.Empty(LayerFixture.Xattrs(Path.Combine(_f.Canary, "passwd")));
        Assert.Equal("y"u8.ToArray(), LayerFixture.Xattrs(_f.In("l"))["trusted.pwned"]);
    }

    [Fact]
    public void Decompression_bomb_stops_at_the_limit()
    {
        byte[] zeros = new byte[8 << 20];
        var tar = new TarBuilder().File("bomb", zeros).Build();
        var compressed = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(tar);
        }
        compressed.Position = 0;
        var unpacker = new LayerUnpacker(new LayerUnpackOptions { MaxUncompressedBytes = 1 << 20 });
        var ex = Assert.Throws<Runtime.Errors.ContainerRuntimeException>(() =>
            unpacker.Unpack(compressed, Runtime.Spec.LayerCompression.Gzip, _f.Layer, null, "sha256:bomb"));
        Assert.Equal(LayerErrors.TooLarge, ex.ErrorId);
        Assert.Equal(Runtime.Errors.ErrorKind.DataLoss, ex.Kind);
        Assert.Contains("sha256:bomb", ex.Message);
        Assert.True(new FileInfo(_f.In("bomb")).Length <= 1 << 20);
    }

    [Fact]
    public void Nul_byte_smuggled_in_a_pax_path_is_refused()
    {
        var tar = TarBuilder.Python("add('x', b'data', pax={'path': 'safe\\x00/../../escaped'})");
        _f.Refused(tar, LayerErrors.Corrupt);
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Sparse_gnu_files_are_refused_not_misread()
    {
        var tar = TarBuilder.Python("add('s', b'data', pax={'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 's'})");
        _f.Refused(tar, LayerErrors.UnsupportedEntry);
    }

    [Fact]
    public void Symlink_loop_as_a_parent_is_refused()
    {
        _f.Refused(new TarBuilder().Symlink("loop", "loop").File("loop/x", "pwned").Build(), LayerErrors.SymlinkEscape);
        _f.Refused(new TarBuilder().Symlink("a", "b").Symlink("b", "a").File("a/x", "pwned").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Hardlink_named_dot_dot_is_refused()
    {
        _f.Refused(new TarBuilder().File("a", "x").Hardlink("../stolen", "a").Build(), LayerErrors.PathEscape);
        _f.Refused(new TarBuilder().File("b", "x").Hardlink(".", "b").Build(), LayerErrors.PathEscape);
        _f.AssertOutsideUntouched();
        Assert.False(LayerFixture.Exists(Path.Combine(_f.Root, "stolen")));
    }

    [Fact]
    public void Oversized_pax_header_is_refused_before_it_is_buffered()
    {
        var tar = TarBuilder.Python("add('x', b'data', pax={'comment': 'a' * (2 * 1024 * 1024)})");
        var ex = _f.Refused(tar, LayerErrors.Corrupt);
        Assert.Contains("PAX header", ex.Message);
    }

    [Fact]
    public void Entry_through_a_directory_replaced_by_a_symlink_in_the_same_layer_stays_inside()
    {
        // "d/" then "d" -> outside (a duplicate that replaces the directory), then "d/x": x must not land outside.
        _f.Refused(new TarBuilder().Dir("d").Symlink("d", _f.Canary).File("d/x", "pwned").Build(), LayerErrors.SymlinkEscape);
        _f.AssertOutsideUntouched();
        Assert.False(File.Exists(Path.Combine(_f.Canary, "x")));
    }
}
