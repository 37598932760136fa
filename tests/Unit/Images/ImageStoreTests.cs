using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Images;

public sealed class ImageStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ImageRecord Record(string name, char id) => new()
    {
        Name = name,
        Config = Digest.Parse("sha256:" + new string(id, 64)),
        Manifest = new() { Digest = Digest.Parse("sha256:" + new string(id, 64)) },
        Target = new() { Digest = Digest.Parse("sha256:" + new string(id, 64)) },
    };

    [Fact]
    public async Task The_parsed_list_is_cached_until_another_writer_replaces_the_file()
    {
        // Two stores with their own caches stand for two processes sharing the directory.
        var mine = new ImageStore(_temp.Path, new MemoryCache(new MemoryCacheOptions()));
        var theirs = new ImageStore(_temp.Path, new MemoryCache(new MemoryCacheOptions()));
        await mine.PutAsync(Record("docker.io/library/a:1", 'a'), default);
        var first = mine.List();
        Assert.Same(first, mine.List());

        await theirs.PutAsync(Record("docker.io/library/b:1", 'b'), default);
        var second = mine.List();
        Assert.NotSame(first, second);
        Assert.Equal(["docker.io/library/a:1", "docker.io/library/b:1"], second.Select(r => r.Name));
    }

    [Fact]
    public async Task Leftovers_of_a_writer_that_died_before_its_rename_are_removed_and_never_read()
    {
        var store = new ImageStore(_temp.Path);
        await store.PutAsync(Record("docker.io/library/a:1", 'a'), default);
        string stale = _temp.Combine(".images.json.tmp-99999-abc");
        File.WriteAllText(stale, "{ half written");
        Assert.Single(store.List());
        await store.PutAsync(Record("docker.io/library/b:1", 'b'), default);
        Assert.False(File.Exists(stale));
        Assert.Equal(2, store.List().Count);
    }

    [Fact]
    public void A_damaged_index_is_ImageStoreCorrupt_naming_the_file()
    {
        File.WriteAllText(_temp.Combine("images.json"), "{ \"images\": [ { \"name\": ");
        var error = Assert.Throws<ContainerRuntimeException>(() => new ImageStore(_temp.Path).List());
        Assert.Equal(("ImageStoreCorrupt", ErrorKind.DataLoss), (error.ErrorId, error.Kind));
        Assert.Contains("images.json", error.Message);
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_update()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new ImageStore(_temp.Path, new MemoryCache(new MemoryCacheOptions()))).ToList();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            stores[i % 4].PutAsync(Record($"docker.io/library/img{i}:latest", (char)('a' + (i % 6))), default))));
        Assert.Equal(40, new ImageStore(_temp.Path).List().Count(r => !r.IsDangling));
    }
}
