using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Images;

public class ManifestSelectorTests
{
    private static Descriptor Entry(char fill, string os, string arch, string? variant = null, string? referenceType = null) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Digest = Digest.Parse("sha256:" + new string(fill, 64)),
        Size = 100,
        Platform = new Platform { OS = os, Architecture = arch, Variant = variant },
        Annotations = referenceType is null ? null : new Dictionary<string, string> { ["vnd.docker.reference.type"] = referenceType },
    };

    [Fact]
    public void Picks_the_matching_platform()
    {
        var index = new ImageIndex { Manifests = [Entry('a', "linux", "arm64", "v8"), Entry('b', "linux", "amd64"), Entry('c', "windows", "amd64")] };
        Assert.Equal('b', ManifestSelector.Select(index, Platform.Parse("linux/amd64"), "x").Digest.Encoded[0]);
        Assert.Equal('a', ManifestSelector.Select(index, Platform.Parse("linux/arm64"), "x").Digest.Encoded[0]);
    }

    [Fact]
    public void Skips_attestation_manifests()
    {
        var index = new ImageIndex { Manifests = [Entry('a', "unknown", "unknown", null, "attestation-manifest"), Entry('b', "linux", "amd64")] };
        Assert.Equal('b', ManifestSelector.Select(index, Platform.Parse("linux/amd64"), "x").Digest.Encoded[0]);
    }

    [Fact]
    public void Skips_nested_indexes_and_unknown_media_types()
    {
        var nested = Entry('a', "linux", "amd64") with { MediaType = MediaTypes.OciIndex };
        var artifact = Entry('c', "linux", "amd64") with { MediaType = "application/vnd.example+json" };
        var index = new ImageIndex { Manifests = [nested, artifact, Entry('b', "linux", "amd64")] };
        Assert.Equal('b', ManifestSelector.Select(index, Platform.Parse("linux/amd64"), "x").Digest.Encoded[0]);
    }

    [Fact]
    public void Reports_what_the_index_offers_when_nothing_matches()
    {
        var index = new ImageIndex { Manifests = [Entry('a', "linux", "arm64", "v8"), Entry('b', "linux", "s390x")] };
        var error = Assert.Throws<ContainerRuntimeException>(() => ManifestSelector.Select(index, Platform.Parse("linux/amd64"), "img"));
        Assert.Equal("ImagePlatformNotFound", error.ErrorId);
        Assert.Contains("linux/arm64/v8", error.Message);
        Assert.Contains("linux/s390x", error.Message);
    }
}
