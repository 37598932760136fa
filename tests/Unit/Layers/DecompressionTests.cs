using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Layers;

public sealed class DecompressionTests : IDisposable
{
    private readonly LayerFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData(MediaTypes.OciLayer)]
    [InlineData(MediaTypes.OciLayerGzip)]
    [InlineData(MediaTypes.DockerLayerGzip)]
    [InlineData(MediaTypes.OciLayerZstd)]
    public void Layer_unpacks_through_the_decompressor_of_its_media_type(string mediaType)
    {
        var tar = new TarBuilder().Dir("d").File("d/f", new string('z', 100_000)).Build();
        byte[] blob = MediaTypes.LayerCompressionOf(mediaType) switch
        {
            LayerCompression.Gzip => Gzip(tar),
            LayerCompression.Zstd => new ZstdSharp.Compressor(3).Wrap(tar).ToArray(),
            _ => tar,
        };
        using var stream = Decompression.Open(new MemoryStream(blob), mediaType, "sha256:test");
        var result = new LayerUnpacker().Unpack(stream, _f.Layer, Digest.Compute(tar), "sha256:test");
        Assert.Equal(Digest.Compute(tar), result.DiffId);
        Assert.Equal(100_000, new FileInfo(_f.In("d/f")).Length);
    }

    [Fact]
    public void Unknown_media_type_is_refused()
    {
        var ex = Assert.Throws<Runtime.Errors.ContainerRuntimeException>(() => Decompression.Open(new MemoryStream(), "application/x-rar", "sha256:test"));
        Assert.Equal(LayerErrors.UnsupportedMediaType, ex.ErrorId);
    }

    [Theory]
    [InlineData("trailer crc")]
    [InlineData("first deflate byte")]
    [InlineData("truncated")]
    public void Corrupt_gzip_is_LayerCorrupt_or_a_DiffId_mismatch(string damage)
    {
        // Deterministic damage: a flipped byte at a random place can land in bits inflate never reads (the last
        // byte's padding), which leaves a blob whose content is intact — nothing to detect there.
        var tar = new TarBuilder().File("f", new string('q', 50_000)).Build();
        byte[] gz = Gzip(tar);
        switch (damage)
        {
            case "trailer crc": gz[^8] ^= 0xFF; break;
            case "first deflate byte": gz[10] ^= 0xFF; break;
            default: gz = gz[..(gz.Length / 2)]; break;
        }
        var ex = Assert.Throws<Runtime.Errors.ContainerRuntimeException>(() =>
            new LayerUnpacker().Unpack(new MemoryStream(gz), LayerCompression.Gzip, _f.Layer, Digest.Compute(tar), "sha256:test"));
        Assert.Contains(ex.ErrorId, new[] { LayerErrors.Corrupt, LayerErrors.DiffIdMismatch });
        Assert.Equal(Runtime.Errors.ErrorKind.DataLoss, ex.Kind);
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }
}
