using System.IO.Compression;
using System.Text.Json;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

namespace PSContainer.Tests.Images;

/// <summary>An image made in the test (layers from TarBuilder, gzip from .NET), stored in a content store, ready to record.</summary>
public sealed record TestImage(ImageRecord Record, IReadOnlyList<Descriptor> Layers, IReadOnlyList<Digest> DiffIds, byte[] ManifestBytes)
{
    public IReadOnlyList<Digest> Chain => ChainIds.Compute(DiffIds);

    public IEnumerable<Digest> Blobs => Layers.Select(l => l.Digest).Append(Record.Config).Append(Record.Manifest.Digest);

    /// <summary>Builds the image from uncompressed layer tars and writes all its blobs into <paramref name="content"/>.</summary>
    public static async Task<TestImage> CreateAsync(IContentStore content, string name, params byte[][] layerTars)
    {
        var layers = new List<Descriptor>();
        var diffIds = new List<Digest>();
        foreach (byte[] tar in layerTars)
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(tar);
            }
            byte[] blob = compressed.ToArray();
            var descriptor = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(blob), Size = blob.Length };
            await ContentHelpers.WriteBlobAsync(content, descriptor, blob, default);
            layers.Add(descriptor);
            diffIds.Add(Digest.Compute(tar));
        }
        var config = new ImageConfig
        {
            Architecture = "amd64",
            OS = "linux",
            Created = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero),
            Config = new ContainerConfig { Cmd = ["sh"], Labels = new Dictionary<string, string> { ["image"] = name } },
            RootFS = new RootFS { DiffIds = diffIds },
        };
        byte[] configBytes = JsonSerializer.SerializeToUtf8Bytes(config, SpecJsonContext.Default.ImageConfig);
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length };
        await ContentHelpers.WriteBlobAsync(content, configDescriptor, configBytes, default);
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = layers };
        byte[] manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, SpecJsonContext.Default.ImageManifest);
        var manifestDescriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute(manifestBytes), Size = manifestBytes.Length };
        await ContentHelpers.WriteBlobAsync(content, manifestDescriptor, manifestBytes, default);
        var now = DateTimeOffset.UtcNow;
        var record = new ImageRecord { Name = name, Target = manifestDescriptor, Manifest = manifestDescriptor, Config = configDescriptor.Digest, Created = now, Updated = now };
        return new TestImage(record, layers, diffIds, manifestBytes);
    }

    /// <summary>Unpacks every layer with <paramref name="snapshotter"/>.</summary>
    public async Task UnpackAsync(IContentStore content, ISnapshotter snapshotter)
    {
        var chain = Chain;
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            await snapshotter.EnsureAsync(chain[i], i == 0 ? null : chain[i - 1], new LayerSource(DiffIds[i], layer.MediaType, () => content.OpenRead(layer.Digest)), default);
        }
    }
}
