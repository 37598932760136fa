using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Snapshots;
using PSContainer.Tests.Layers;
using Xunit;

namespace PSContainer.Tests.Images;

/// <summary>Names, removal and garbage collection through the service, on a real store (content, snapshots, index).</summary>
public sealed class ImageServiceTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalContentStore _content;
    private readonly CopySnapshotter _snapshots;
    private readonly List<ImageUser> _users = [];
    private readonly ImageService _images;

    public ImageServiceTests()
    {
        _content = new LocalContentStore(_temp.Path);
        _snapshots = new CopySnapshotter(_temp.Combine("snapshots"));
        var cache = new MemoryCache(new MemoryCacheOptions());
        _images = new ImageService(new ImageStore(_temp.Combine("images"), cache), _content, new ImageDocuments(_content, cache), _snapshots,
            () => throw new InvalidOperationException("no registry in these tests")) { Users = () => _users };
    }

    public void Dispose() => _temp.Dispose();

    private static byte[] Base => new TarBuilder().Dir("bin").File("bin/sh", "shell").Build();

    private async Task<TestImage> StoreAsync(string name, params byte[][] layers)
    {
        var image = await TestImage.CreateAsync(_content, name, layers);
        await image.UnpackAsync(_content, _snapshots);
        var store = new ImageStore(_temp.Combine("images"));
        await store.PutAsync(image.Record, default);
        return image;
    }

    [Fact]
    public async Task Removing_one_of_two_names_only_untags()
    {
        var image = await StoreAsync("docker.io/library/app:1", Base);
        await _images.TagAsync(_images.Find("app:1")!, "app:stable", default);

        var removal = await _images.RemoveAsync("app:1", force: false, default);
        Assert.Equal(["app:1"], removal.Untagged);
        Assert.False(removal.Deleted);
        Assert.Equal("app:stable", Assert.Single(_images.List()).ToString());
        var freed = await _images.CollectGarbageAsync(default);
        Assert.Equal(0, freed.Blobs + freed.Snapshots);
        Assert.All(image.Blobs, b => Assert.NotNull(_content.Info(b)));
    }

    [Fact]
    public async Task Removing_the_last_name_deletes_the_image_and_frees_what_only_it_used()
    {
        var shared = await StoreAsync("docker.io/library/base:1", Base);
        var app = await StoreAsync("docker.io/library/app:1", Base, new TarBuilder().File("app", "x").Build());

        var removal = await _images.RemoveAsync("app:1", force: false, default);
        Assert.True(removal.Deleted);
        Assert.Equal(app.Record.Config.ToString(), removal.Id);
        var freed = await _images.CollectGarbageAsync(default);

        // app's own layer, config and manifest go; the base layer it shares stays, snapshot and blob.
        Assert.Equal((3, 1), (freed.Blobs, freed.Snapshots));
        Assert.Null(_content.Info(app.Layers[1].Digest));
        Assert.Null(_content.Info(app.Record.Manifest.Digest));
        Assert.False(_snapshots.Exists(app.Chain[1]));
        Assert.All(shared.Blobs, b => Assert.NotNull(_content.Info(b)));
        Assert.True(_snapshots.Exists(shared.Chain[0]));
        Assert.False(Directory.Exists(_temp.Combine("snapshots", app.Chain[1].Encoded)));
    }

    [Fact]
    public async Task By_id_an_image_named_in_several_repositories_needs_force()
    {
        var image = await StoreAsync("docker.io/library/app:1", Base);
        await _images.TagAsync(_images.Find("app:1")!, "other/app:1", default);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => _images.RemoveAsync(image.Record.Config.Encoded[..12], force: false, default));
        Assert.Equal("ImageReferencedInMultipleRepositories", error.ErrorId);

        var removal = await _images.RemoveAsync(image.Record.Config.Encoded[..12], force: true, default);
        Assert.Equal(["app:1", "other/app:1"], removal.Untagged);
        Assert.True(removal.Deleted);
        Assert.Empty(_images.List());
    }

    [Fact]
    public async Task An_image_a_container_uses_is_refused_and_forced_keeps_the_layers_the_container_needs()
    {
        var image = await StoreAsync("docker.io/library/app:1", Base, new TarBuilder().File("top", "t").Build());
        _users.Add(new ImageUser(image.Record.Config.ToString(), "happy_turing", Running: false));

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => _images.RemoveAsync("app:1", force: false, default));
        Assert.Equal(("ImageInUse", ErrorKind.FailedPrecondition), (error.ErrorId, error.Kind));
        Assert.Contains("happy_turing", error.Message);

        Assert.True((await _images.RemoveAsync("app:1", force: true, default)).Deleted);
        await _images.CollectGarbageAsync(default);
        Assert.All(image.Chain, c => Assert.True(_snapshots.Exists(c)));
        Assert.NotNull(_content.Info(image.Record.Config));

        _users.Clear();
        var freed = await _images.CollectGarbageAsync(default);
        Assert.Equal(2, freed.Snapshots);
        Assert.Empty(_content.List());
    }

    [Fact]
    public async Task Forced_while_a_container_runs_the_image_only_loses_its_names()
    {
        var image = await StoreAsync("docker.io/library/app:1", Base);
        _users.Add(new ImageUser(image.Record.Config.ToString(), "busy", Running: true));
        var removal = await _images.RemoveAsync("app:1", force: true, default);
        Assert.False(removal.Deleted);
        Assert.True(Assert.Single(_images.List()).Dangling);
    }

    [Fact]
    public async Task A_re_pointed_tag_leaves_a_dangling_image_that_is_found_by_id_and_removed_with_its_content()
    {
        var old = await StoreAsync("docker.io/library/app:latest", Base);
        var @new = await StoreAsync("docker.io/library/app:latest", Base, new TarBuilder().File("v2", "2").Build());
        var dangling = Assert.Single(_images.List(), i => i.Dangling);
        Assert.Equal(("<none>", (string?)null, old.Record.Config.ToString()), (dangling.Repository, dangling.Tag, dangling.Id));
        Assert.Equal(dangling.Id, _images.Find(old.Record.Config.ToString())!.Id);

        var removal = await _images.RemoveAsync(dangling.Id, force: false, default);
        Assert.Equal((true, 0), (removal.Deleted, removal.Untagged.Count));
        await _images.CollectGarbageAsync(default);
        Assert.Null(_content.Info(old.Record.Manifest.Digest));
        Assert.All(@new.Blobs, b => Assert.NotNull(_content.Info(b)));
    }

    [Fact]
    public async Task Garbage_collection_removes_abandoned_downloads_but_not_one_in_progress()
    {
        await StoreAsync("docker.io/library/app:1", Base);
        var (abandoned, live) = (Blob("abandoned"), Blob("live"));
        using (var writer = (await _content.OpenWriterAsync(abandoned, default))!)
        {
            await writer.WriteAsync(new byte[3], default);
        }
        using var held = (await _content.OpenWriterAsync(live, default))!;
        await held.WriteAsync(new byte[2], default);

        var freed = await _images.CollectGarbageAsync(default);
        // Committed blobs leave their (empty) ingest directories too, so more than one may go.
        Assert.True(freed.Ingests >= 1);
        Assert.False(Directory.Exists(_temp.Combine("ingest", "sha256-" + abandoned.Digest.Encoded)));
        Assert.True(Directory.Exists(_temp.Combine("ingest", "sha256-" + live.Digest.Encoded)));
    }

    [Fact]
    public async Task Tagging_normalises_the_name_and_refuses_a_digest()
    {
        await StoreAsync("docker.io/library/app:1", Base);
        var tagged = await _images.TagAsync(_images.Find("app:1")!, "localhost:5000/team/app", default);
        Assert.Equal("localhost:5000/team/app:latest", tagged.Name);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => _images.TagAsync(tagged, "app@sha256:" + new string('1', 64), default));
        Assert.Equal("ImageTagIsDigest", error.ErrorId);
    }

    private static PSContainer.Runtime.Spec.Descriptor Blob(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text + new string('.', 20));
        return new() { MediaType = "application/octet-stream", Digest = PSContainer.Runtime.Reference.Digest.Compute(bytes), Size = bytes.Length };
    }
}
