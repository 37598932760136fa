using System.Net;
using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Registry;

/// <summary>The upload side of the distribution API at the HTTP level (the Pester tests push to the real registry).</summary>
public class PushProtocolTests
{
    private sealed record Seen(HttpMethod Method, string PathAndQuery, string? ContentRange, byte[] Body, string? ContentType);

    /// <summary>A registry that starts uploads at /upload/1, accepts PATCHes and a closing PUT, and records each request with its body.</summary>
    private static (FakeRegistryHandler Handler, List<Seen> Seen) UploadRegistry()
    {
        var seen = new List<Seen>();
        int session = 0;
        var handler = new FakeRegistryHandler(request =>
        {
            byte[] body = request.Content is null ? [] : request.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            string? range = request.Content?.Headers.TryGetValues("Content-Range", out var v) == true ? v.First() : null;
            lock (seen)
            {
                seen.Add(new Seen(request.Method, request.RequestUri!.PathAndQuery, range, body, request.Content?.Headers.ContentType?.MediaType));
            }
            string path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/blobs/uploads/", StringComparison.Ordinal))
            {
                if (request.RequestUri.Query.Contains("mount=", StringComparison.Ordinal))
                {
                    return new HttpResponseMessage(request.RequestUri.Query.Contains("from=lib%2Fbase", StringComparison.Ordinal) ? HttpStatusCode.Created : HttpStatusCode.Accepted)
                    {
                        Headers = { Location = new Uri("/v2/app/blobs/uploads/" + Interlocked.Increment(ref session) + "?_state=s", UriKind.Relative) },
                    };
                }
                return new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri("/v2/app/blobs/uploads/" + Interlocked.Increment(ref session) + "?_state=s", UriKind.Relative) } };
            }
            if (request.Method == HttpMethod.Patch)
            {
                return new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri(request.RequestUri.AbsolutePath + "?_state=next", UriKind.Relative) } };
            }
            if (request.Method == HttpMethod.Put && path.Contains("/manifests/", StringComparison.Ordinal))
            {
                var created = new HttpResponseMessage(HttpStatusCode.Created);
                created.Headers.Add("Docker-Content-Digest", Digest.Compute(body).ToString());
                return created;
            }
            if (request.Method == HttpMethod.Put)
            {
                return new HttpResponseMessage(HttpStatusCode.Created);
            }
            if (request.Method == HttpMethod.Head)
            {
                return FakeRegistryHandler.Status(path.EndsWith(new string('e', 64), StringComparison.Ordinal) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
            }
            return FakeRegistryHandler.Status(HttpStatusCode.OK);
        });
        return (handler, seen);
    }

    private static RemoteRepository Repository() =>
        new(RegistryEndpoint.For("reg.example", RegistryConfig.Empty, includeMirrors: false)[0], new Uri("https://reg.example/"), "app") { Actions = "pull,push" };

    private static (Descriptor, byte[]) Blob(int size)
    {
        byte[] bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return (new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(bytes), Size = size }, bytes);
    }

    private static Func<long, Stream> Opener(byte[] bytes) => offset => new MemoryStream(bytes) { Position = offset };

    [Fact]
    public async Task A_small_blob_goes_in_one_piece_with_the_closing_put()
    {
        var (handler, seen) = UploadRegistry();
        var (blob, bytes) = Blob(1000);
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        await client.UploadBlobAsync(Repository(), blob, Opener(bytes), chunkSize: 4096, upload: null, progress: null, default);

        Assert.Equal([HttpMethod.Post, HttpMethod.Put], seen.Select(s => s.Method));
        Assert.Equal("/v2/app/blobs/uploads/", seen[0].PathAndQuery);
        Assert.Equal("/v2/app/blobs/uploads/1?_state=s&digest=" + Uri.EscapeDataString(blob.Digest.ToString()), seen[1].PathAndQuery);
        Assert.Equal(bytes, seen[1].Body);
        Assert.Equal("application/octet-stream", seen[1].ContentType);
    }

    [Fact]
    public async Task A_large_blob_goes_in_chunks_with_content_ranges_and_an_empty_closing_put()
    {
        var (handler, seen) = UploadRegistry();
        var (blob, bytes) = Blob(10_000);
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var progress = new List<long>();
        await client.UploadBlobAsync(Repository(), blob, Opener(bytes), chunkSize: 4096, upload: null, new SynchronousProgress(progress), default);

        Assert.Equal([HttpMethod.Post, HttpMethod.Patch, HttpMethod.Patch, HttpMethod.Patch, HttpMethod.Put], seen.Select(s => s.Method));
        Assert.Equal(["0-4095", "4096-8191", "8192-9999"], seen.Where(s => s.Method == HttpMethod.Patch).Select(s => s.ContentRange));
        Assert.Equal(bytes, seen.Where(s => s.Method == HttpMethod.Patch).SelectMany(s => s.Body).ToArray());
        // Each request goes to the location the previous answer gave.
        Assert.StartsWith("/v2/app/blobs/uploads/1?_state=s", seen[1].PathAndQuery);
        Assert.StartsWith("/v2/app/blobs/uploads/1?_state=next", seen[2].PathAndQuery);
        Assert.Equal("/v2/app/blobs/uploads/1?_state=next&digest=" + Uri.EscapeDataString(blob.Digest.ToString()), seen[4].PathAndQuery);
        Assert.Empty(seen[4].Body);
        Assert.Equal([4096L, 8192L, 10_000L, 10_000L], progress);
    }

    [Fact]
    public async Task A_mount_from_another_repository_needs_no_upload_and_a_refused_one_hands_over_its_session()
    {
        var (handler, seen) = UploadRegistry();
        var digest = Digest.Compute(Encoding.ASCII.GetBytes("shared"));
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var (mounted, upload) = await client.TryMountBlobAsync(Repository(), digest, "lib/base", default);
        Assert.True(mounted);
        Assert.Null(upload);
        Assert.Equal("/v2/app/blobs/uploads/?mount=" + Uri.EscapeDataString(digest.ToString()) + "&from=lib%2Fbase", seen[0].PathAndQuery);

        (mounted, upload) = await client.TryMountBlobAsync(Repository(), digest, "other/repo", default);
        Assert.False(mounted);
        Assert.Equal("https://reg.example/v2/app/blobs/uploads/2?_state=s", upload!.ToString());
    }

    [Fact]
    public async Task Blob_existence_is_a_HEAD()
    {
        var (handler, seen) = UploadRegistry();
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        Assert.True(await client.BlobExistsAsync(Repository(), Digest.Parse("sha256:" + new string('e', 64)), default));
        Assert.False(await client.BlobExistsAsync(Repository(), Digest.Parse("sha256:" + new string('f', 64)), default));
        Assert.All(seen, s => Assert.Equal(HttpMethod.Head, s.Method));
    }

    [Fact]
    public async Task A_manifest_is_put_as_is_under_its_media_type_and_a_different_digest_is_refused()
    {
        var (handler, seen) = UploadRegistry();
        byte[] manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2}");
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var digest = await client.PutManifestAsync(Repository(), "v1", MediaTypes.DockerManifest, manifest, default);
        Assert.Equal(Digest.Compute(manifest), digest);
        Assert.Equal(manifest, seen[0].Body);
        Assert.Equal(MediaTypes.DockerManifest, seen[0].ContentType);
        Assert.Equal("/v2/app/manifests/v1", seen[0].PathAndQuery);

        var lying = new FakeRegistryHandler(_ =>
        {
            var created = new HttpResponseMessage(HttpStatusCode.Created);
            created.Headers.Add("Docker-Content-Digest", "sha256:" + new string('0', 64));
            return created;
        });
        using var other = new RegistryClient(RegistryConfig.Empty, lying);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => other.PutManifestAsync(Repository(), "v1", MediaTypes.DockerManifest, manifest, default));
        Assert.Equal("PushDigestMismatch", error.ErrorId);
    }

    private sealed class SynchronousProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
