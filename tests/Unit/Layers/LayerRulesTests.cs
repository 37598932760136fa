using System.Formats.Tar;
using System.Text;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Layers;

/// <summary>One test per OCI layer rule (image-spec layer.md), asserting the resulting tree.</summary>
public sealed class LayerRulesTests : IDisposable
{
    private readonly LayerFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Regular_file_gets_content_owner_mode_and_mtime()
    {
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        _f.Unpack(new TarBuilder().File("a.txt", "hello", mode: 0b110_100_000, uid: 1234, gid: 5678, mtime: mtime).Build());
        var st = LayerFixture.LStat(_f.In("a.txt"));
        Assert.True(st.IsRegular);
        Assert.Equal("hello", File.ReadAllText(_f.In("a.txt")));
        Assert.Equal(0b110_100_000u, st.Permissions);
        Assert.Equal((1234u, 5678u), (st.Uid, st.Gid));
        Assert.Equal(mtime.ToUnixTimeSeconds(), st.MtimeSeconds);
    }

    [Fact]
    public void Directory_mtime_is_set_after_its_content()
    {
        var mtime = new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _f.Unpack(new TarBuilder().Dir("d", mode: 0b111_000_000, uid: 7, gid: 8, mtime: mtime).File("d/x", "1").Dir("d/e").File("d/e/y").Build());
        var st = LayerFixture.LStat(_f.In("d"));
        Assert.True(st.IsDirectory);
        Assert.Equal(0b111_000_000u, st.Permissions);
        Assert.Equal((7u, 8u), (st.Uid, st.Gid));
        Assert.Equal(mtime.ToUnixTimeSeconds(), st.MtimeSeconds);
    }

    [Fact]
    public void Setuid_setgid_and_sticky_survive_chown()
    {
        _f.Unpack(new TarBuilder()
            .File("suid", "x", mode: 0b100_111_101_101, uid: 1000, gid: 1000)
            .File("sgid", "x", mode: 0b010_111_101_101, uid: 0, gid: 50)
            .Dir("tmp", mode: 0b001_111_111_111).Build());
        Assert.Equal(0b100_111_101_101u, LayerFixture.LStat(_f.In("suid")).Permissions);
        Assert.Equal(0b010_111_101_101u, LayerFixture.LStat(_f.In("sgid")).Permissions);
        Assert.Equal(0b001_111_111_111u, LayerFixture.LStat(_f.In("tmp")).Permissions);
    }

    [Fact]
    public void Symlink_target_is_kept_as_written()
    {
        _f.Unpack(new TarBuilder().Symlink("abs", "/etc/passwd", uid: 3, gid: 4).Symlink("rel", "../../x").Symlink("dangling", "nowhere").Build());
        Assert.Equal("/etc/passwd", new FileInfo(_f.In("abs")).LinkTarget);
        Assert.Equal("../../x", new FileInfo(_f.In("rel")).LinkTarget);
        Assert.Equal("nowhere", new FileInfo(_f.In("dangling")).LinkTarget);
        var st = LayerFixture.LStat(_f.In("abs"));
        Assert.True(st.IsSymlink);
        Assert.Equal((3u, 4u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Hardlink_to_earlier_entry_shares_the_inode()
    {
        _f.Unpack(new TarBuilder().Dir("bin").File("bin/busybox", "elf", mode: 0b111_101_101).Hardlink("bin/sh", "bin/busybox").Hardlink("ls", "./bin/busybox").Build());
        var a = LayerFixture.LStat(_f.In("bin/busybox"));
        Assert.Equal(a.Inode, LayerFixture.LStat(_f.In("bin/sh")).Inode);
        Assert.Equal(a.Inode, LayerFixture.LStat(_f.In("ls")).Inode);
        Assert.Equal(3ul, LayerFixture.LStat(_f.In("ls")).Links);
    }

    [Fact]
    public void Hardlink_to_a_symlink_links_the_symlink_itself()
    {
        _f.Unpack(new TarBuilder().File("target", "t").Symlink("sym", "target").Hardlink("hard", "sym").Build());
        Assert.True(LayerFixture.LStat(_f.In("hard")).IsSymlink);
        Assert.Equal(LayerFixture.LStat(_f.In("sym")).Inode, LayerFixture.LStat(_f.In("hard")).Inode);
    }

    [Fact]
    public void Fifo_char_and_block_devices_are_created_with_their_numbers()
    {
        _f.Unpack(new TarBuilder().Dir("dev").Fifo("dev/fifo", 0b110_000_000).Char("dev/null", 1, 3).Block("dev/sda", 8, 0).Char("dev/big", 300, 70000).Build());
        Assert.True(LayerFixture.LStat(_f.In("dev/fifo")).IsFifo);
        Assert.Equal(0b110_000_000u, LayerFixture.LStat(_f.In("dev/fifo")).Permissions);
        var n = LayerFixture.LStat(_f.In("dev/null"));
        Assert.True(n.IsChar);
        Assert.Equal((1u, 3u), (n.Major, n.Minor));
        var b = LayerFixture.LStat(_f.In("dev/sda"));
        Assert.True(b.IsBlock);
        Assert.Equal((8u, 0u), (b.Major, b.Minor));
        var big = LayerFixture.LStat(_f.In("dev/big"));
        Assert.Equal((300u, 70000u), (big.Major, big.Minor));
    }

    [Fact]
    public void Owner_comes_from_ids_and_names_are_ignored()
    {
        var tar = TarBuilder.Python("ti = tarfile.TarInfo('f'); ti.uid = 4242; ti.gid = 4343; ti.uname = 'root'; ti.gname = 'root'; out.addfile(ti)");
        _f.Unpack(tar);
        var st = LayerFixture.LStat(_f.In("f"));
        Assert.Equal((4242u, 4343u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Pax_xattrs_are_applied_including_binary_security_capability()
    {
        // cap_setuid (bit 7) + cap_net_bind_service (bit 10), effective: a VFS_CAP_REVISION_2 value with bytes >= 0x80,
        // which a UTF-8 decoding tar reader would corrupt.
        byte[] cap = [0x01, 0x00, 0x00, 0x02, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        string capLiteral = "bytes([" + string.Join(",", cap) + "]).decode('utf-8', 'surrogateescape')";
        var tar = TarBuilder.Python(
            "add('ping', b'elf', mode=0o755, pax={'SCHILY.xattr.security.capability': " + capLiteral + ", 'SCHILY.xattr.user.note': 'hi'})\n"
            + "add('d', type=tarfile.DIRTYPE, mode=0o755, pax={'SCHILY.xattr.trusted.test': 'v'})");
        _f.Unpack(tar);
        var x = LayerFixture.Xattrs(_f.In("ping"));
        Assert.Equal(cap, x["security.capability"]);
        Assert.Equal("hi"u8.ToArray(), x["user.note"]);
        Assert.Equal("v"u8.ToArray(), LayerFixture.Xattrs(_f.In("d"))["trusted.test"]);
        Assert.Equal(0b111_101_101u, LayerFixture.LStat(_f.In("ping")).Permissions);
    }

    [Fact]
    public void Forged_overlay_xattrs_in_the_tar_are_dropped()
    {
        var tar = new TarBuilder().Dir("d", pax: new() { ["SCHILY.xattr.trusted.overlay.opaque"] = "y", ["SCHILY.xattr.trusted.overlay.redirect"] = "/etc" }).Build();
        _f.Unpack(tar);
        Assert.Empty(LayerFixture.Xattrs(_f.In("d")));
    }

    [Fact]
    public void Directory_over_directory_keeps_content_and_updates_metadata()
    {
        _f.Unpack(new TarBuilder().Dir("d", mode: 0b111_101_101).File("d/keep", "k").Dir("d", mode: 0b111_000_000, uid: 9).Build());
        Assert.True(File.Exists(_f.In("d/keep")));
        var st = LayerFixture.LStat(_f.In("d"));
        Assert.Equal(0b111_000_000u, st.Permissions);
        Assert.Equal(9u, st.Uid);
    }

    [Theory]
    [InlineData("file-over-dir")]
    [InlineData("dir-over-file")]
    [InlineData("symlink-over-file")]
    [InlineData("file-over-symlink")]
    [InlineData("file-over-file")]
    public void Anything_else_over_an_existing_path_replaces_it(string which)
    {
        var b = new TarBuilder();
        switch (which)
        {
            case "file-over-dir": b.Dir("p").File("p/child").File("p", "new"); break;
            case "dir-over-file": b.File("p", "old").Dir("p"); break;
            case "symlink-over-file": b.File("p", "old").Symlink("p", "target"); break;
            case "file-over-symlink": b.Symlink("p", "/etc/passwd").File("p", "new"); break;
            case "file-over-file": b.File("p", "old").File("p", "new"); break;
        }
        _f.Unpack(b.Build());
        var st = LayerFixture.LStat(_f.In("p"));
        switch (which)
        {
            case "dir-over-file": Assert.True(st.IsDirectory); break;
            case "symlink-over-file": Assert.True(st.IsSymlink); break;
            default: Assert.True(st.IsRegular); Assert.Equal("new", File.ReadAllText(_f.In("p"))); break;
        }
        _f.AssertOutsideUntouched();
    }

    [Fact]
    public void Empty_layer_unpacks_to_nothing_and_hashes_correctly()
    {
        byte[] tar = new byte[1024]; // two zero blocks
        var result = _f.Unpack(tar, diffId: Digest.Compute(tar));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Layer));
        Assert.Equal(0, result.Entries);
        var none = _f.Unpack([], diffId: Digest.Compute([]));
        Assert.Equal(0, none.Entries);
    }

    [Fact]
    public void Non_ascii_names_are_kept_byte_exact()
    {
        _f.Unpack(new TarBuilder().Dir("données").File("données/日本語.txt", "x").Symlink("ünï", "données/日本語.txt").Build());
        Assert.True(File.Exists(_f.In("données/日本語.txt")));
        Assert.Equal("données/日本語.txt", new FileInfo(_f.In("ünï")).LinkTarget);
        // A Latin-1 (not UTF-8) name: the bytes must reach the filesystem unchanged.
        _f.Unpack(TarBuilder.Python("add(b'caf\\xe9'.decode('utf-8', 'surrogateescape'), b'x')"));
        using var dir = Runtime.Linux.DirectoryFd.Open(_f.Layer);
        Assert.Equal(0, dir.TryStat([(byte)'c', (byte)'a', (byte)'f', 0xE9, 0], out _));
    }

    [Fact]
    public void Long_names_through_pax_and_gnu_are_applied()
    {
        string longDir = string.Join("/", Enumerable.Repeat("abcdefghijklmnopqrstuvwxyz", 8));
        _f.Unpack(new TarBuilder().File(longDir + "/f", "pax").Build());
        Assert.Equal("pax", File.ReadAllText(_f.In(longDir + "/f")));
        _f.Unpack(new TarBuilder(TarEntryFormat.Gnu).File(longDir + "/g", "gnu").Symlink("gl", longDir + "/g").Build());
        Assert.Equal("gnu", File.ReadAllText(_f.In(longDir + "/g")));
        Assert.Equal(longDir + "/g", new FileInfo(_f.In("gl")).LinkTarget);
    }

    [Fact]
    public void Missing_parent_directories_are_created()
    {
        _f.Unpack(new TarBuilder().File("a/b/c/file", "x").Build());
        Assert.Equal("x", File.ReadAllText(_f.In("a/b/c/file")));
        Assert.Equal(0b111_101_101u, LayerFixture.LStat(_f.In("a/b")).Permissions);
    }

    [Fact]
    public void Large_file_is_streamed_intact()
    {
        byte[] data = new byte[3 * 1024 * 1024 + 123];
        new Random(7).NextBytes(data);
        var tar = new TarBuilder().File("big", data).Build();
        var result = _f.Unpack(tar, diffId: Digest.Compute(tar));
        Assert.Equal(data, File.ReadAllBytes(_f.In("big")));
        Assert.Equal(tar.Length, result.UncompressedSize);
    }

    [Fact]
    public void DiffId_mismatch_is_DataLoss()
    {
        var tar = new TarBuilder().File("a", "x").Build();
        var ex = Assert.Throws<Runtime.Errors.ContainerRuntimeException>(() => _f.Unpack(tar, diffId: Digest.Compute("other"u8)));
        Assert.Equal(LayerErrors.DiffIdMismatch, ex.ErrorId);
        Assert.Equal(Runtime.Errors.ErrorKind.DataLoss, ex.Kind);
    }

    [Fact]
    public void DiffId_covers_trailing_padding_after_the_end_blocks()
    {
        var tar = new TarBuilder().File("a", "x").Build();
        byte[] padded = [.. tar, .. new byte[10240 - tar.Length % 10240]];
        var result = _f.Unpack(padded, diffId: Digest.Compute(padded));
        Assert.Equal(padded.Length, result.UncompressedSize);
    }

    [Fact]
    public void Truncated_tar_is_LayerCorrupt()
    {
        var tar = new TarBuilder().File("a", new string('x', 5000)).Build();
        _f.Refused(tar[..2000], LayerErrors.Corrupt);
    }

    [Fact]
    public void Corrupted_header_checksum_is_LayerCorrupt()
    {
        var tar = new TarBuilder().File("a", "x").Build();
        tar[10] ^= 0x55;
        _f.Refused(tar, LayerErrors.Corrupt);
    }

    [Fact]
    public void Hardlink_to_a_directory_is_refused()
    {
        var ex = _f.Refused(new TarBuilder().Dir("d").Hardlink("link", "d").Build(), LayerErrors.HardlinkEscape);
        Assert.Contains("is a directory", ex.Message);
        Assert.False(LayerFixture.Exists(_f.In("link")));
    }

    [Fact]
    public void Hardlink_to_a_later_entry_is_refused()
    {
        _f.Refused(new TarBuilder().Hardlink("early", "late").File("late", "x").Build(), LayerErrors.HardlinkEscape);
        Assert.False(LayerFixture.Exists(_f.In("late")));
    }

    [Theory]
    [InlineData(WhiteoutMode.Overlay)]
    [InlineData(WhiteoutMode.Apply)]
    public void Hardlink_to_a_file_of_a_lower_layer_is_refused_in_both_modes(WhiteoutMode mode)
    {
        // In apply mode the lower file is right there in the directory; it is refused anyway, so the copy driver
        // accepts exactly the layers the overlay driver accepts (layer.md lets such an extraction fail).
        if (mode == WhiteoutMode.Apply)
        {
            File.WriteAllText(_f.In("lower"), "from a lower layer");
        }
        var lowers = Path.Combine(_f.Root, "lower-layer");
        Directory.CreateDirectory(lowers);
        File.WriteAllText(Path.Combine(lowers, "lower"), "from a lower layer");
        var options = new LayerUnpackOptions { WhiteoutMode = mode, LowerDirectories = mode == WhiteoutMode.Overlay ? [lowers] : [] };
        _f.Refused(new TarBuilder().Hardlink("link", "lower").Build(), LayerErrors.HardlinkEscape, options);
        Assert.False(LayerFixture.Exists(_f.In("link")));
        Assert.Equal(1ul, LayerFixture.LStat(Path.Combine(lowers, "lower")).Links);
    }

    [Fact]
    public void Hardlink_to_a_whiteout_of_the_same_layer_is_refused()
    {
        _f.Refused(new TarBuilder().Whiteout(".wh.gone").Hardlink("link", "gone").Build(), LayerErrors.HardlinkEscape);
        Assert.False(LayerFixture.Exists(_f.In("link")));
    }

    [Fact]
    public void Hardlink_chain_through_another_hardlink_shares_one_inode()
    {
        _f.Unpack(new TarBuilder().File("a", "x").Hardlink("b", "a").Hardlink("c", "b").Build());
        Assert.Equal(LayerFixture.LStat(_f.In("a")).Inode, LayerFixture.LStat(_f.In("c")).Inode);
        Assert.Equal(3ul, LayerFixture.LStat(_f.In("a")).Links);
    }

    [Fact]
    public void Pax_mtime_keeps_nanoseconds_and_times_before_1970()
    {
        var tar = TarBuilder.Python(
            "add('precise', b'x', pax={'mtime': '1234567890.123456789'})\n"
            + "add('old', b'x', pax={'mtime': '-86400.5'})");
        _f.Unpack(tar);
        var precise = LayerFixture.LStat(_f.In("precise"));
        Assert.Equal((1234567890L, 123456789L), (precise.MtimeSeconds, precise.MtimeNanoseconds));
        var old = LayerFixture.LStat(_f.In("old"));
        Assert.Equal((-86401L, 500000000L), (old.MtimeSeconds, old.MtimeNanoseconds));
    }

    [Fact]
    public void Fifo_and_devices_keep_setuid_sticky_and_owner_bits()
    {
        var tar = TarBuilder.Python(
            "ti = tarfile.TarInfo('f'); ti.type = tarfile.FIFOTYPE; ti.mode = 0o1620; ti.uid = 7; ti.gid = 8; out.addfile(ti)\n"
            + "ti = tarfile.TarInfo('c'); ti.type = tarfile.CHRTYPE; ti.mode = 0o4600; ti.devmajor = 4; ti.devminor = 64; ti.uid = 9; ti.gid = 10; out.addfile(ti)");
        _f.Unpack(tar);
        var fifo = LayerFixture.LStat(_f.In("f"));
        Assert.Equal((0b001_110_010_000u, 7u, 8u), (fifo.Permissions, fifo.Uid, fifo.Gid));
        var chr = LayerFixture.LStat(_f.In("c"));
        Assert.Equal((0b100_110_000_000u, 9u, 10u, 4u, 64u), (chr.Permissions, chr.Uid, chr.Gid, chr.Major, chr.Minor));
    }

    [Fact]
    public void Root_entry_metadata_is_not_applied_and_the_layer_root_stays_a_directory()
    {
        // "./" carries the layer root's metadata in most tars; like containerd and podman the unpacker leaves the
        // snapshot directory itself alone (a container's "/" is its own layer's; see docs/LAYERS.md).
        var before = LayerFixture.LStat(_f.Layer);
        _f.Unpack(new TarBuilder().Dir("./", mode: 0b111_000_000, uid: 5).File("a").Build());
        var after = LayerFixture.LStat(_f.Layer);
        Assert.Equal((before.Permissions, before.Uid), (after.Permissions, after.Uid));
    }
}
