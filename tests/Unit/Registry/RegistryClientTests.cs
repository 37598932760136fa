using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Registry;

public class RegistryClientTests
{
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":2},\"layers\":[]}");

    private static HttpResponseMessage ManifestResponse()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Manifest) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciManifest);
        return response;
    }

    [Fact]
    public async Task Bearer_challenge_is_answered_with_a_token_scoped_to_the_repository()
    {
        var handler = new FakeRegistryHandler(request =>
        {
            if (request.RequestUri!.Host == "auth.example")
            {
                Assert.Contains("scope=repository%3Alib%2Fapp%3Apull", request.RequestUri.Query);
                Assert.Contains("service=reg.example", request.RequestUri.Query);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"t0k\",\"expires_in\":300}") };
            }
            if (request.Headers.Authorization?.ToString() == "Bearer t0k")
            {
                return ManifestResponse();
            }
            var unauthorized = FakeRegistryHandler.Status(HttpStatusCode.Unauthorized);
            unauthorized.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example/token\",service=\"reg.example\",scope=\"repository:lib/app:pull\"");
            return unauthorized;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var (_, manifest) = await client.ResolveAsync(ImageReference.Parse("reg.example/lib/app:1"), default);
        Assert.Equal(Digest.Compute(Manifest), manifest.Digest);
        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Contains(handler.Requests[0].Headers.Accept, a => a.MediaType == MediaTypes.DockerManifestList);
        Assert.Contains(handler.Requests[0].Headers.Accept, a => a.MediaType == MediaTypes.OciIndex);
    }

    [Fact]
    public async Task Server_errors_are_retried_and_then_succeed()
    {
        int calls = 0;
        var handler = new FakeRegistryHandler(_ => ++calls < 3 ? FakeRegistryHandler.Status(HttpStatusCode.ServiceUnavailable) : ManifestResponse());
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        await client.ResolveAsync(ImageReference.Parse("reg.example/app"), default);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_manifest_that_does_not_match_the_requested_digest_is_refused()
    {
        var handler = new FakeRegistryHandler(_ => ManifestResponse());
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() =>
            client.ResolveAsync(ImageReference.Parse("reg.example/app@sha256:" + new string('b', 64)), default));
        Assert.Equal("ManifestDigestMismatch", error.ErrorId);
    }

    [Fact]
    public async Task Docker_hub_names_go_to_the_mirror_first()
    {
        var handler = new FakeRegistryHandler(request => request.RequestUri!.Host == "mirror.example" ? ManifestResponse() : FakeRegistryHandler.Status(HttpStatusCode.NotFound));
        using var client = new RegistryClient(new RegistryConfig { RegistryMirrors = ["https://mirror.example"] }, handler);
        var (repository, _) = await client.ResolveAsync(ImageReference.Parse("hello-world"), default);
        Assert.Equal("https://mirror.example/v2/library/hello-world/manifests/latest", handler.Requests[0].RequestUri!.ToString());
        Assert.True(repository.Endpoint.IsMirror);
    }

    [Fact]
    public async Task A_mirror_that_lacks_the_image_falls_back_to_the_registry()
    {
        var handler = new FakeRegistryHandler(request => request.RequestUri!.Host == "registry-1.docker.io" ? ManifestResponse() : FakeRegistryHandler.Status(HttpStatusCode.NotFound));
        using var client = new RegistryClient(new RegistryConfig { RegistryMirrors = ["https://mirror.example"] }, handler);
        var (repository, _) = await client.ResolveAsync(ImageReference.Parse("busybox"), default);
        Assert.False(repository.Endpoint.IsMirror);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Not_found_everywhere_is_NotFound_naming_the_image()
    {
        var handler = new FakeRegistryHandler(_ => FakeRegistryHandler.Status(HttpStatusCode.NotFound));
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => client.ResolveAsync(ImageReference.Parse("reg.example/nope:1"), default));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Equal("ImageNotFound", error.ErrorId);
        Assert.Contains("reg.example/nope:1", error.Message);
    }

    [Fact]
    public async Task A_blob_fetch_resumes_with_a_range_request()
    {
        var handler = new FakeRegistryHandler(request =>
        {
            Assert.Equal("bytes=5-", request.Headers.Range!.ToString());
            var response = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes("56789")) };
            response.Content.Headers.ContentRange = new ContentRangeHeaderValue(5, 9, 10);
            return response;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var repository = new RemoteRepository(RegistryEndpoint.For("reg.example", RegistryConfig.Empty)[0], new Uri("https://reg.example/"), "app");
        var blob = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(Encoding.ASCII.GetBytes("0123456789")), Size = 10 };
        var (stream, resumed) = await client.FetchBlobAsync(repository, blob, 5, default);
        using var reader = new StreamReader(stream);
        Assert.True(resumed);
        Assert.Equal("56789", reader.ReadToEnd());
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("reg.example", false)]
    [InlineData("insecure.example:5000", true)]
    public void Loopback_and_listed_registries_are_insecure(string host, bool insecure) =>
        Assert.Equal(insecure, new RegistryConfig { InsecureRegistries = ["insecure.example:5000"] }.IsInsecure(host));
}
