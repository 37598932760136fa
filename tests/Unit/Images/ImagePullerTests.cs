using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Tests.Registry;
using Xunit;

namespace PSContainer.Tests.Images;

/// <summary>What the puller refuses before downloading anything (the Pester tests pull real images end to end).</summary>
public sealed class ImagePullerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<ContainerRuntimeException> PullFailureAsync(string manifest, string contentType)
    {
        var handler = new FakeRegistryHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(manifest)) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return response;
        });
        var content = new LocalContentStore(_temp.Path);
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var puller = new ImagePuller(client, content, new ImageDocuments(content, new MemoryCache(new MemoryCacheOptions())));
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => puller.PullAsync(ImageReference.Parse("reg.example/app:1"), Platform.Host, null, default));
        Assert.Single(handler.Requests);
        Assert.Empty(content.List());
        return error;
    }

    [Fact]
    public async Task A_schema_1_manifest_is_refused_with_a_clear_error()
    {
        var error = await PullFailureAsync("{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"1\",\"fsLayers\":[{\"blobSum\":\"sha256:" + new string('a', 64) + "\"}]}",
            "application/vnd.docker.distribution.manifest.v1+prettyjws");
        Assert.Equal(("ImageSchema1Unsupported", ErrorKind.NotImplemented), (error.ErrorId, error.Kind));
        Assert.Contains("schema 1", error.Message);
    }

    [Fact]
    public async Task An_artifact_that_is_not_a_container_image_is_refused()
    {
        var error = await PullFailureAsync("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"sha256:"
            + new string('a', 64) + "\",\"size\":2},\"layers\":[]}", "application/vnd.oci.image.manifest.v1+json");
        Assert.Equal("ImageMediaTypeUnsupported", error.ErrorId);
        Assert.Contains("helm", error.Message);
    }

    [Fact]
    public async Task A_digest_that_is_not_valid_in_a_manifest_is_refused_before_it_names_a_url_or_a_path()
    {
        var error = await PullFailureAsync("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:../../etc/passwd\",\"size\":2},\"layers\":[]}",
            "application/vnd.oci.image.manifest.v1+json");
        Assert.Equal(ErrorKind.DataLoss, error.Kind);
        Assert.Contains("invalid digest", error.Message);
    }
}
