using System.IO.Compression;
using System.Security.Cryptography;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Layers;

/// <summary>Listing a layer's entries (Get-ContainerLayer -Content) with the unpacker's reader and rules.</summary>
public sealed class LayerContentsTests
{
    private static List<LayerEntry> Read(byte[] tar, bool gzip = false, Digest? diffId = null, bool hash = false)
    {
        byte[] blob = tar;
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(tar);
            }
            blob = ms.ToArray();
        }
        return LayerContents.Read(new MemoryStream(blob), gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, "sha256:test", 3, diffId, hash).ToList();
    }

    [Fact]
    public void Every_entry_type_is_listed_with_its_attributes()
    {
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        var tar = new TarBuilder().Dir("./").Dir("bin", mode: 0b111_101_101).File("bin/su", "elf!", mode: 0b100_111_101_101, uid: 0, gid: 0, mtime: mtime)
            .Hardlink("bin/su2", "./bin/su").Symlink("sh", "../bin/su", uid: 3, gid: 4).Char("dev-null", 1, 3).Block("sda", 8, 0)
            .Fifo("pipe").Dir("tmp", mode: 0b001_111_111_111).Build();
        var entries = Read(tar, gzip: true);
        Assert.Equal(["/bin", "/bin/su", "/bin/su2", "/sh", "/dev-null", "/sda", "/pipe", "/tmp"], entries.Select(e => e.Path).ToArray());
        Assert.All(entries, e => Assert.Equal(("sha256:test", (int?)3), (e.Layer, e.LayerIndex)));
        var su = entries[1];
        Assert.Equal((LayerEntryType.File, 4L, "-rwsr-xr-x", "0:0", mtime), (su.Type, su.Size, su.UnixMode, su.Owner, su.Modified));
        Assert.Equal((LayerEntryType.Hardlink, "/bin/su", 0L), (entries[2].Type, entries[2].LinkTarget, entries[2].Size));
        Assert.Equal((LayerEntryType.Symlink, "../bin/su", "3:4"), (entries[3].Type, entries[3].LinkTarget, entries[3].Owner));
        Assert.Equal((LayerEntryType.CharacterDevice, 1u, 3u), (entries[4].Type, entries[4].DeviceMajor, entries[4].DeviceMinor));
        Assert.Equal((LayerEntryType.BlockDevice, 8u, 0u), (entries[5].Type, entries[5].DeviceMajor, entries[5].DeviceMinor));
        Assert.Equal(LayerEntryType.Fifo, entries[6].Type);
        Assert.Equal(("drwxrwxrwt", LayerEntryType.Directory), (entries[7].UnixMode, entries[7].Type));
        Assert.All(entries, e => Assert.False(e.IsWhiteout));
    }

    [Fact]
    public void Whiteouts_name_the_hidden_path_and_opaque_markers_their_directory()
    {
        var entries = Read(new TarBuilder().Dir("etc").Whiteout("etc/.wh.motd").Whiteout("var/.wh..wh..opq").Whiteout(".wh..wh.plnk").Build());
        Assert.Equal(["/etc", "/etc/motd", "/var"], entries.Select(e => e.Path).ToArray());
        Assert.Equal((true, false, LayerEntryType.Whiteout), (entries[1].IsWhiteout, entries[1].Opaque, entries[1].Type));
        Assert.Equal((true, true), (entries[2].IsWhiteout, entries[2].Opaque));
    }

    [Fact]
    public void Binary_xattrs_and_non_utf8_names_come_through()
    {
        var tar = TarBuilder.Python(
            "add('ping', b'elf', mode=0o755, pax={'SCHILY.xattr.security.capability': bytes([1,0,0,2,0x80,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0]).decode('utf-8', 'surrogateescape')})\n"
            + "add('日本語/ü', b'x')");
        var entries = Read(tar);
        Assert.Equal(new byte[] { 1, 0, 0, 2, 0x80, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, entries[0].Xattrs["security.capability"]);
        Assert.Equal("/日本語/ü", entries[1].Path);
    }

    [Fact]
    public void Content_digest_is_the_sha256_of_the_file_when_asked()
    {
        byte[] data = new byte[700_000];
        new Random(3).NextBytes(data);
        var tar = new TarBuilder().File("big", data).Symlink("l", "big").Build();
        var hashed = Read(tar, hash: true);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(data)), hashed[0].ContentDigest);
        Assert.Null(hashed[1].ContentDigest);
        Assert.Null(Read(tar)[0].ContentDigest);
    }

    [Fact]
    public void Names_the_unpacker_refuses_are_refused_with_the_same_ErrorIds()
    {
        Assert.Equal(LayerErrors.PathEscape, Assert.Throws<ContainerRuntimeException>(() => Read(new TarBuilder().File("../x").Build())).ErrorId);
        Assert.Equal(LayerErrors.HardlinkEscape, Assert.Throws<ContainerRuntimeException>(() => Read(new TarBuilder().Hardlink("h", "../../etc/passwd").Build())).ErrorId);
        Assert.Equal(LayerErrors.InvalidWhiteout, Assert.Throws<ContainerRuntimeException>(() => Read(new TarBuilder().Whiteout("d/.wh.").Build())).ErrorId);
        Assert.Equal(LayerErrors.InvalidWhiteout, Assert.Throws<ContainerRuntimeException>(() => Read(new TarBuilder().File(".wh.d/x").Build())).ErrorId);
        Assert.Equal(LayerErrors.PathEscape, Assert.Throws<ContainerRuntimeException>(() => Read(new TarBuilder().Symlink(".", "/").Build())).ErrorId);
    }

    [Fact]
    public void DiffId_is_checked_after_the_last_entry()
    {
        var tar = new TarBuilder().File("a", "x").Build();
        Assert.Single(Read(tar, diffId: Digest.Compute(tar)));
        var listed = new List<string>();
        var ex = Assert.Throws<ContainerRuntimeException>(() =>
        {
            foreach (var e in LayerContents.Read(new MemoryStream(tar), MediaTypes.OciLayer, "sha256:test", expectedDiffId: Digest.Compute("other"u8)))
            {
                listed.Add(e.Path);
            }
        });
        Assert.Equal((LayerErrors.DiffIdMismatch, ErrorKind.DataLoss), (ex.ErrorId, ex.Kind));
        Assert.Equal(["/a"], listed);
    }

    [Fact]
    public void Listing_stops_at_the_bomb_limit()
    {
        var tar = new TarBuilder().File("bomb", new byte[4 << 20]).Build();
        var ex = Assert.Throws<ContainerRuntimeException>(() => LayerContents.Read(new MemoryStream(tar), MediaTypes.OciLayer, "sha256:bomb",
            options: new LayerUnpackOptions { MaxUncompressedBytes = 1 << 20 }).ToList());
        Assert.Equal(LayerErrors.TooLarge, ex.ErrorId);
    }
}
