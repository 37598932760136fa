using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Reference;

public class DigestTests
{
    [Theory]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    public void Parses_registered_algorithms(string value) => Assert.Equal(value, Digest.Parse(value).ToString());

    [Theory]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256:e3b0")]
    [InlineData("sha256:../../../../etc/passwd")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/")]
    public void Refuses_anything_that_is_not_safe_as_a_path(string value)
    {
        var error = Assert.Throws<ContainerRuntimeException>(() => Digest.Parse(value));
        Assert.Equal("InvalidDigest", error.ErrorId);
    }

    [Fact]
    public void Computes_sha256() =>
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Digest.Compute(Encoding.ASCII.GetBytes("hello")).ToString());
}
