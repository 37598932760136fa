using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

public sealed class SignalNamesTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("sigquit", 3)]
    [InlineData("9", 9)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("SIGWINCH", 28)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("RTMAX-1", 63)]
    [InlineData("SIGNOPE", null)]
    [InlineData("0", null)]
    [InlineData("65", null)]
    [InlineData("", null)]
    [InlineData("SIGRTMIN+40", null)]
    public void ParsesTheWaysImagesWriteStopSignal(string text, int? expected)
    {
        Assert.Equal(expected, SignalNames.TryParse(text));
    }

    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(6, "SIGABRT")]
    [InlineData(29, "SIGIO")]
    [InlineData(34, "SIGRTMIN")]
    [InlineData(36, "SIGRTMIN+2")]
    public void NamesRoundTrip(int signal, string name)
    {
        Assert.Equal(name, SignalNames.NameOf(signal));
        Assert.Equal(signal, SignalNames.TryParse(name));
    }
}
