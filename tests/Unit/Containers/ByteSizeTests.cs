using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using Xunit;

namespace PSContainer.Tests.Containers;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64m", 64L << 20)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("512k", 512L << 10)]
    [InlineData("2t", 2L << 40)]
    [InlineData("10b", 10L)]
    public void DockersUnits(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("12q")]
    [InlineData("-1m")]
    public void NonsenseIsRefused(string text) =>
        Assert.Equal("ByteSizeInvalid", Assert.Throws<ContainerRuntimeException>(() => ByteSize.Parse(text)).ErrorId);
}
