using System.Text;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Content;

public class LocalContentStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalContentStore _store;

    public LocalContentStoreTests()
    {
        _store = new LocalContentStore(_temp.Path);
    }

    public void Dispose() => _temp.Dispose();

    private static (Descriptor, byte[]) Blob(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return (new Descriptor { MediaType = "application/octet-stream", Digest = Digest.Compute(bytes), Size = bytes.Length }, bytes);
    }

    [Fact]
    public async Task A_committed_blob_is_readable_read_only_and_at_its_digest_path()
    {
        var (descriptor, bytes) = Blob("hello blob");
        await ContentHelpers.WriteBlobAsync(_store, descriptor, bytes, default);

        using (var stream = _store.OpenRead(descriptor.Digest))
        {
            using var reader = new StreamReader(stream);
            Assert.Equal("hello blob", reader.ReadToEnd());
        }
        string path = _temp.Combine("blobs", "sha256", descriptor.Digest.Encoded);
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Equal(descriptor.Size, _store.Info(descriptor.Digest)!.Size);
        Assert.Contains(_store.List(), i => i.Digest == descriptor.Digest);
    }

    [Fact]
    public async Task Content_that_does_not_match_its_digest_is_refused_and_never_visible()
    {
        var (descriptor, _) = Blob("the real thing");
        byte[] forged = Encoding.UTF8.GetBytes("the fake thing");
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => ContentHelpers.WriteBlobAsync(_store, descriptor, forged, default));
        Assert.Equal("BlobDigestMismatch", error.ErrorId);
        Assert.Equal(ErrorKind.DataLoss, error.Kind);
        Assert.Null(_store.Info(descriptor.Digest));
        Assert.Empty(_store.List());
        Assert.False(File.Exists(_temp.Combine("ingest", "sha256-" + descriptor.Digest.Encoded, "data")));
    }

    [Fact]
    public async Task More_bytes_than_the_descriptor_says_are_refused_while_streaming()
    {
        var (descriptor, bytes) = Blob("0123456789");
        var shorter = descriptor with { Size = 5 };
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => ContentHelpers.WriteBlobAsync(_store, shorter, bytes, default));
        Assert.Equal("BlobSizeExceeded", error.ErrorId);
        Assert.Null(_store.Info(descriptor.Digest));
    }

    [Fact]
    public async Task An_interrupted_ingest_resumes_from_its_offset()
    {
        var (descriptor, bytes) = Blob(new string('x', 1000) + "tail");
        using (var first = await _store.OpenWriterAsync(descriptor, default))
        {
            await first!.WriteAsync(bytes.AsMemory(0, 600), default);
            // Disposed without commit: as if the process died.
        }
        Assert.Null(_store.Info(descriptor.Digest));

        using var second = await _store.OpenWriterAsync(descriptor, default);
        Assert.Equal(600, second!.Offset);
        await second.WriteAsync(bytes.AsMemory(600), default);
        await second.CommitAsync(default);
        Assert.Equal(bytes, File.ReadAllBytes(_store.BlobPath(descriptor.Digest)));
    }

    [Fact]
    public async Task An_existing_blob_needs_no_writer()
    {
        var (descriptor, bytes) = Blob("already here");
        await ContentHelpers.WriteBlobAsync(_store, descriptor, bytes, default);
        Assert.Null(await _store.OpenWriterAsync(descriptor, default));
    }

    [Fact]
    public async Task Two_writers_for_one_blob_take_turns_and_the_second_finds_it_committed()
    {
        var (descriptor, bytes) = Blob("contended");
        var first = await _store.OpenWriterAsync(descriptor, default);
        var secondTask = _store.OpenWriterAsync(descriptor, default);
        await Task.Delay(100);
        Assert.False(secondTask.IsCompleted);
        await first!.WriteAsync(bytes, default);
        await first.CommitAsync(default);
        Assert.Null(await secondTask.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_missing_blob_is_NotFound()
    {
        var error = Assert.Throws<ContainerRuntimeException>(() => _store.OpenRead(Digest.Compute([1, 2, 3])));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
    }
}
