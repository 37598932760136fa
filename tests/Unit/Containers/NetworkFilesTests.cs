using PSContainer.Runtime.Containers;
using Xunit;

namespace PSContainer.Tests.Containers;

public sealed class NetworkFilesTests
{
    [Fact]
    public void APrivateNetworkDropsLoopbackNameserversAndKeepsTheRest()
    {
        string host = "# generated\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.0.0.2\nsearch example.org\noptions edns0\n";

        string container = NetworkFiles.ResolvConf(host, privateNetwork: true);

        Assert.Equal("# generated\nnameserver 10.0.0.2\nsearch example.org\noptions edns0\n", container);
    }

    [Fact]
    public void WithOnlyLoopbackNameserversDockersDefaultsAreUsed()
    {
        string container = NetworkFiles.ResolvConf("nameserver 127.0.0.53\noptions trust-ad\n", privateNetwork: true);

        Assert.Contains("nameserver 8.8.8.8\n", container);
        Assert.DoesNotContain("127.0.0.53", container);
        Assert.Contains("options trust-ad\n", container);
    }

    [Fact]
    public void TheHostsNetworkKeepsTheHostsFile() =>
        Assert.Equal("nameserver 127.0.0.53\n", NetworkFiles.ResolvConf("nameserver 127.0.0.53\n", privateNetwork: false));
}
