using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Images.Archives;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Images;

/// <summary>
/// Export and import through the service, read back and written with .NET's own tar code (independent of the engine's).
/// Interoperability with skopeo, podman and docker's formats is checked end to end in the Pester tests.
/// </summary>
public sealed class ArchiveTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed record Store(LocalContentStore Content, CopySnapshotter Snapshots, ImageService Images);

    private Store NewStore(string name)
    {
        string root = _temp.Combine(name);
        var content = new LocalContentStore(root);
        var snapshots = new CopySnapshotter(Path.Combine(root, "snapshots"));
        var cache = new MemoryCache(new MemoryCacheOptions());
        var images = new ImageService(new ImageStore(Path.Combine(root, "images"), cache), content, new ImageDocuments(content, cache), snapshots,
            () => throw new InvalidOperationException("no registry here"));
        return new Store(content, snapshots, images);
    }

    private static async Task<(Store Store, TestImage Image)> SourceAsync(ArchiveTests test)
    {
        var store = test.NewStore("source");
        var image = await TestImage.CreateAsync(store.Content, "docker.io/library/app:1",
            new TarBuilder().Dir("etc").File("etc/os-release", "ID=test\n").Build(),
            new TarBuilder().File("hello", "world").Build());
        await new ImageStore(test._temp.Combine("source", "images")).PutAsync(image.Record, default);
        return (store, image);
    }

    private static Dictionary<string, byte[]> ReadTar(string path)
    {
        var members = new Dictionary<string, byte[]>();
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType == TarEntryType.RegularFile)
            {
                using var buffer = new MemoryStream();
                entry.DataStream?.CopyTo(buffer);
                members[entry.Name] = buffer.ToArray();
            }
        }
        return members;
    }

    [Fact]
    public async Task A_docker_archive_holds_the_config_and_uncompressed_layers_named_by_their_DiffIDs()
    {
        var (source, image) = await SourceAsync(this);
        string archive = _temp.Combine("app.tar");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], archive, ArchiveFormat.DockerArchive, default);

        var members = ReadTar(archive);
        var manifest = Assert.Single(JsonNode.Parse(members["manifest.json"])!.AsArray())!;
        Assert.Equal(image.Record.Config.Encoded + ".json", (string?)manifest["Config"]);
        Assert.Equal(["app:1"], manifest["RepoTags"]!.AsArray().Select(t => (string?)t));
        var layers = manifest["Layers"]!.AsArray().Select(l => (string)l!).ToList();
        Assert.Equal(image.DiffIds.Select(d => d.Encoded + ".tar"), layers);
        foreach (var (layer, diffId) in layers.Zip(image.DiffIds))
        {
            Assert.Equal(diffId, Digest.Compute(members[layer]));
        }
        Assert.Equal(image.Record.Config, Digest.Compute(members[(string)manifest["Config"]!]));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_temp.Path), p => Path.GetFileName(p).Contains(".partial-"));
    }

    [Fact]
    public async Task An_oci_archive_keeps_every_blob_and_names_the_image_in_its_index()
    {
        var (source, image) = await SourceAsync(this);
        string archive = _temp.Combine("app.oci.tar");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], archive, ArchiveFormat.OciArchive, default);

        var members = ReadTar(archive);
        Assert.Equal("1.0.0", (string?)JsonNode.Parse(members["oci-layout"])!["imageLayoutVersion"]);
        var entry = Assert.Single(JsonNode.Parse(members["index.json"])!["manifests"]!.AsArray())!;
        Assert.Equal(image.Record.Manifest.Digest.ToString(), (string?)entry["digest"]);
        Assert.Equal("docker.io/library/app:1", (string?)entry["annotations"]!["io.containerd.image.name"]);
        Assert.Equal("1", (string?)entry["annotations"]!["org.opencontainers.image.ref.name"]);
        foreach (var blob in image.Blobs)
        {
            Assert.Equal(blob, Digest.Compute(members["blobs/sha256/" + blob.Encoded]));
        }
    }

    [Theory]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.DockerArchive)]
    [InlineData(ArchiveFormat.OciDirectory)]
    public async Task An_exported_image_imports_with_its_id_name_and_unpacked_layers(ArchiveFormat format)
    {
        var (source, image) = await SourceAsync(this);
        string path = _temp.Combine("export-" + format);
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], path, format, default);

        var target = NewStore("target");
        var imported = Assert.Single(await target.Images.ImportAsync(path, null, default));
        Assert.Equal(("docker.io/library/app:1", image.Record.Config.ToString()), (imported.Name, imported.Id));
        if (format != ArchiveFormat.DockerArchive)
        {
            Assert.Equal(image.Record.Manifest.Digest.ToString(), imported.ManifestDigest);
        }
        Assert.All(image.Chain, c => Assert.True(target.Snapshots.Exists(c)));
        Assert.Equal("world", File.ReadAllText(Path.Combine(target.Snapshots.Stat(image.Chain[1])!.Directory, "hello")));
        Assert.Equal(["sh"], imported.Command);
    }

    [Fact]
    public async Task A_docker_25_save_with_both_an_OCI_index_and_manifest_json_is_read_through_the_index()
    {
        // docker save since 25 writes an OCI layout (names in io.containerd.image.name) plus the classic manifest.json.
        var (source, image) = await SourceAsync(this);
        string layout = _temp.Combine("docker25");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], layout, ArchiveFormat.OciDirectory, default);
        File.WriteAllText(Path.Combine(layout, "manifest.json"), "[{\"Config\":\"blobs/sha256/" + image.Record.Config.Encoded + "\",\"RepoTags\":[\"wrong:name\"],\"Layers\":[]}]");
        string archive = _temp.Combine("docker25.tar");
        System.Formats.Tar.TarFile.CreateFromDirectory(layout, archive, includeBaseDirectory: false);

        var imported = Assert.Single(await NewStore("target").Images.ImportAsync(archive, null, default));
        Assert.Equal(("docker.io/library/app:1", image.Record.Manifest.Digest.ToString()), (imported.Name, imported.ManifestDigest));
    }

    [Fact]
    public async Task A_gzip_compressed_docker_archive_imports()
    {
        var (source, image) = await SourceAsync(this);
        string archive = _temp.Combine("app.tar");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], archive, ArchiveFormat.DockerArchive, default);
        using (var input = File.OpenRead(archive))
        using (var output = new GZipStream(File.Create(archive + ".gz"), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }
        var imported = Assert.Single(await NewStore("target").Images.ImportAsync(archive + ".gz", null, default));
        Assert.Equal(image.Record.Config.ToString(), imported.Id);
    }

    [Fact]
    public async Task An_image_exported_by_id_has_no_name_and_imports_dangling()
    {
        var (source, image) = await SourceAsync(this);
        string archive = _temp.Combine("anon.tar");
        await source.Images.ExportAsync([(source.Images.Find(image.Record.Config.ToString())!, [])], archive, ArchiveFormat.OciArchive, default);
        var imported = Assert.Single(await NewStore("target").Images.ImportAsync(archive, null, default));
        Assert.True(imported.Dangling);
        Assert.Equal(image.Record.Config.ToString(), imported.Id);
    }

    [Fact]
    public async Task A_damaged_blob_fails_the_import_with_nothing_recorded_and_nothing_stored_under_its_digest()
    {
        var (source, image) = await SourceAsync(this);
        string layout = _temp.Combine("layout");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"])], layout, ArchiveFormat.OciDirectory, default);
        string victim = Path.Combine(layout, "blobs", "sha256", image.Layers[1].Digest.Encoded);
        byte[] bytes = File.ReadAllBytes(victim);
        bytes[^5] ^= 0xff;
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(victim, bytes);

        var target = NewStore("target");
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => target.Images.ImportAsync(layout, null, default));
        Assert.Equal(("BlobDigestMismatch", ErrorKind.DataLoss), (error.ErrorId, error.Kind));
        Assert.Empty(target.Images.List());
        Assert.Null(target.Content.Info(image.Layers[1].Digest));
    }

    [Fact]
    public async Task An_archive_member_that_leaves_the_archive_is_refused()
    {
        string archive = _temp.Combine("evil.tar");
        using (var writer = new TarWriter(File.Create(archive), TarEntryFormat.Pax))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../etc/manifest.json") { DataStream = new MemoryStream("[]"u8.ToArray()) });
        }
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => NewStore("target").Images.ImportAsync(archive, null, default));
        Assert.Equal("ImageArchiveInvalid", error.ErrorId);
    }

    [Fact]
    public async Task Something_that_is_not_an_image_archive_says_so()
    {
        string archive = _temp.Combine("not.tar");
        File.WriteAllText(archive, new string('x', 2000));
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => NewStore("target").Images.ImportAsync(archive, null, default));
        Assert.Equal("ImageArchiveInvalid", error.ErrorId);
        error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => NewStore("target2").Images.ImportAsync(_temp.Combine("absent.tar"), null, default));
        Assert.Equal(("ImageArchiveNotFound", ErrorKind.NotFound), (error.ErrorId, error.Kind));
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    public async Task Long_names_links_and_dot_slash_prefixes_of_old_docker_saves_are_read(TarEntryFormat format)
    {
        // Old docker save: one directory per layer id, with later duplicates as symlinks to the first copy.
        var (source, image) = await SourceAsync(this);
        string config = Encoding.UTF8.GetString(ContentHelpers.ReadAllBytes(source.Content, image.Record.Config));
        byte[] Layer(int i) => Decompress(source.Content, image.Layers[i].Digest);
        string longDirectory = new string('d', format == TarEntryFormat.Ustar ? 80 : 130);
        string archive = _temp.Combine("old.tar");
        using (var writer = new TarWriter(File.Create(archive), format))
        {
            void Add(TarEntryType type, string name, byte[]? data = null, string? link = null)
            {
                TarEntry entry = format switch
                {
                    TarEntryFormat.Pax => new PaxTarEntry(type, name),
                    TarEntryFormat.Gnu => new GnuTarEntry(type, name),
                    _ => new UstarTarEntry(type, name),
                };
                if (data is not null)
                {
                    entry.DataStream = new MemoryStream(data);
                }
                if (link is not null)
                {
                    entry.LinkName = link;
                }
                writer.WriteEntry(entry);
            }
            Add(TarEntryType.Directory, "./" + longDirectory + "/");
            Add(TarEntryType.RegularFile, "./" + longDirectory + "/layer.tar", Layer(0));
            Add(TarEntryType.Directory, "./second/");
            Add(TarEntryType.SymbolicLink, "./second/layer.tar", link: "../" + longDirectory + "/layer.tar");
            Add(TarEntryType.RegularFile, "./third.tar", Layer(1));
            Add(TarEntryType.RegularFile, "./config.json", Encoding.UTF8.GetBytes(config));
            Add(TarEntryType.RegularFile, "./manifest.json", Encoding.UTF8.GetBytes(
                "[{\"Config\":\"config.json\",\"RepoTags\":[\"old:1\"],\"Layers\":[\"second/layer.tar\",\"third.tar\"]}]"));
        }
        var imported = Assert.Single(await NewStore("target" + format).Images.ImportAsync(archive, null, default));
        Assert.Equal(("docker.io/library/old:1", image.Record.Config.ToString()), (imported.Name, imported.Id));
    }

    private static byte[] Decompress(IContentProvider content, Digest digest)
    {
        using var gzip = new GZipStream(content.OpenRead(digest), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task Several_images_share_one_archive_and_shared_layers_are_written_once()
    {
        var (source, image) = await SourceAsync(this);
        var second = await TestImage.CreateAsync(source.Content, "docker.io/library/other:2", new TarBuilder().Dir("etc").File("etc/os-release", "ID=test\n").Build());
        await new ImageStore(_temp.Combine("source", "images")).PutAsync(second.Record, default);
        string archive = _temp.Combine("both.tar");
        await source.Images.ExportAsync([(source.Images.Find("app:1")!, ["docker.io/library/app:1"]), (source.Images.Find("other:2")!, ["docker.io/library/other:2"])],
            archive, ArchiveFormat.DockerArchive, default);
        Assert.Single(ReadTar(archive).Keys, k => k == image.DiffIds[0].Encoded + ".tar");
        var imported = await NewStore("target").Images.ImportAsync(archive, null, default);
        Assert.Equal(["docker.io/library/app:1", "docker.io/library/other:2"], imported.Select(i => i.Name).Order());
    }
}
