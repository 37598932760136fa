using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Reference;

public class PlatformTests
{
    [Theory]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/aarch64", "linux/arm64/v8")]
    [InlineData("arm64", "linux/arm64")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("Linux/ARM/v6", "linux/arm/v6")]
    public void Parses_and_normalizes(string input, string expected) => Assert.Equal(expected, Platform.Parse(input).ToString());

    [Theory]
    [InlineData("linux/arm64", "linux", "arm64", null, true)]
    [InlineData("linux/arm64", "linux", "arm64", "v8", true)]
    [InlineData("linux/arm64/v8", "linux", "arm64", null, true)]
    [InlineData("linux/arm/v7", "linux", "arm", "v6", false)]
    [InlineData("linux/amd64", "windows", "amd64", null, false)]
    [InlineData("linux/amd64", "linux", "arm64", null, false)]
    public void Matches_variants_as_containerd(string wanted, string os, string arch, string? variant, bool matches) =>
        Assert.Equal(matches, Platform.Parse(wanted).Matches(new Platform { OS = os, Architecture = arch, Variant = variant }));
}
