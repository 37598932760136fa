using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Reference;

public class ImageReferenceTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("hello-world", "docker.io/library/hello-world:latest", "hello-world")]
    [InlineData("ubuntu:22.04", "docker.io/library/ubuntu:22.04", "ubuntu")]
    [InlineData("user/repo", "docker.io/user/repo:latest", "user/repo")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest", "busybox")]
    [InlineData("index.docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox")]
    [InlineData("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b")]
    [InlineData("localhost/foo", "localhost/foo:latest", "localhost/foo")]
    [InlineData("localhost:5000/a/b", "localhost:5000/a/b:latest", "localhost:5000/a/b")]
    [InlineData("127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b")]
    [InlineData("[::1]:5000/foo", "[::1]:5000/foo:latest", "[::1]:5000/foo")]
    [InlineData("Foo/bar", "Foo/bar:latest", "Foo/bar")]
    [InlineData("foo:5000", "docker.io/library/foo:5000", "foo")]
    [InlineData("ghcr.io/org/app_v2.x-y__z:1.0_rc-1", "ghcr.io/org/app_v2.x-y__z:1.0_rc-1", "ghcr.io/org/app_v2.x-y__z")]
    [InlineData("quay.io/a/b@sha256:" + Hex, "quay.io/a/b@sha256:" + Hex, "quay.io/a/b")]
    [InlineData("a/b:t@sha256:" + Hex, "docker.io/a/b:t@sha256:" + Hex, "a/b")]
    public void Normalizes_like_docker(string input, string normalized, string familiar)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(normalized, reference.ToString());
        Assert.Equal(familiar, reference.FamiliarName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER")]
    [InlineData("docker.io/Library/busybox")]
    [InlineData(Hex)]
    [InlineData("foo/../bar")]
    [InlineData("-foo")]
    [InlineData("foo:-tag")]
    [InlineData("foo:tag:more")]
    [InlineData("foo@sha256:abc")]
    [InlineData("foo@sha256:" + Hex + "0")]
    [InlineData("foo@md5:" + Hex)]
    [InlineData("foo bar")]
    [InlineData("foo//bar")]
    [InlineData("foo/")]
    public void Refuses_invalid_references(string input)
    {
        var error = Assert.Throws<ContainerRuntimeException>(() => ImageReference.Parse(input));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("InvalidImageReference", error.ErrorId);
    }

    [Fact]
    public void Refuses_names_longer_than_255()
    {
        string name = "example.com/" + new string('a', 250);
        Assert.Throws<ContainerRuntimeException>(() => ImageReference.Parse(name));
    }

    [Fact]
    public void Tag_is_default_only_without_digest()
    {
        var withDigest = ImageReference.Parse("busybox@sha256:" + Hex);
        Assert.Null(withDigest.Tag);
        Assert.Equal("sha256:" + Hex, withDigest.ManifestReference);
        Assert.Equal("latest", ImageReference.Parse("busybox").ManifestReference);
    }

    [Fact]
    public void Familiar_string_drops_docker_hub_prefixes()
    {
        Assert.Equal("hello-world:latest", ImageReference.Parse("docker.io/library/hello-world").ToFamiliarString());
        Assert.Equal("localhost:5000/x:1", ImageReference.Parse("localhost:5000/x:1").ToFamiliarString());
    }
}
