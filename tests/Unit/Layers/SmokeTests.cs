using Xunit;
namespace PSContainer.Tests.Layers;

public sealed class SmokeTests
{
    [Fact]
    public void Simple_layer_unpacks()
    {
        using var f = new LayerFixture();
        var tar = new TarBuilder().Dir("etc").File("etc/hosts", "127.0.0.1 localhost\n").Symlink("link", "/etc/hosts").Build();
        var result = f.Unpack(tar);
        Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(f.In("etc/hosts")));
        Assert.Equal(3, result.Entries);
        Assert.True(LayerFixture.LStat(f.In("link")).IsSymlink);
    }
}
