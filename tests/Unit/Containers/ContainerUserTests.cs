using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>docker's --user, resolved as runc resolves it (libcontainer/user), in an image's /etc/passwd and /etc/group.</summary>
public sealed class ContainerUserTests : IDisposable
{
    private readonly TempDirectory _image = new();

    public ContainerUserTests()
    {
        Directory.CreateDirectory(_image.Combine("etc"));
        File.WriteAllText(_image.Combine("etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000:App:/home/app:/bin/sh\nnohome:x:1001:100:::/bin/sh\n");
        File.WriteAllText(_image.Combine("etc", "group"),
            "root:x:0:root\nwheel:x:10:root,app\napp:x:1000:\nstaff:x:50:app\nusers:x:100:\n");
    }

    public void Dispose() => _image.Dispose();

    private RootfsFiles Files => RootfsFiles.FromLayers([_image.Path]);

    [Theory]
    [InlineData(null, 0u, 0u, "/root", new uint[] { 0, 10 })]
    [InlineData("app", 1000u, 1000u, "/home/app", new uint[] { 10, 50 })]
    [InlineData("1000", 1000u, 1000u, "/home/app", new uint[] { 10, 50 })]
    [InlineData("app:staff", 1000u, 50u, "/home/app", new uint[0])]
    [InlineData("app:4242", 1000u, 4242u, "/home/app", new uint[0])]
    [InlineData("4242", 4242u, 0u, "/", new uint[0])]
    [InlineData("4242:7", 4242u, 7u, "/", new uint[0])]
    [InlineData("nohome", 1001u, 100u, "/", new uint[0])]
    public void ResolvesLikeRunc(string? user, uint uid, uint gid, string home, uint[] groups)
    {
        ContainerUser resolved = ContainerUser.Resolve(user, Files);

        Assert.Equal((uid, gid, home), (resolved.Uid, resolved.Gid, resolved.Home));
        Assert.Equal(groups, resolved.AdditionalGids);
    }

    [Fact]
    public void AMissingNameIsRefusedButANumberIsNot()
    {
        var user = Assert.Throws<ContainerRuntimeException>(() => ContainerUser.Resolve("nobody", Files));
        var group = Assert.Throws<ContainerRuntimeException>(() => ContainerUser.Resolve("app:nogroup", Files));

        Assert.Equal(("ContainerUserNotFound", "ContainerGroupNotFound"), (user.ErrorId, group.ErrorId));
        Assert.Equal(1234u, ContainerUser.Resolve("1234", RootfsFiles.FromLayers([])).Uid);
    }
}
