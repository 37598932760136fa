using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Process;
using Xunit;

namespace PSContainer.Tests.Process;

public sealed class ContainerLauncherPathTests
{
    [Fact]
    public void DefaultShimPathIsTheEnvironmentVariableElseNextToTheAssembly()
    {
        string nextToAssembly = Path.Combine(Path.GetDirectoryName(typeof(ContainerLauncher).Assembly.Location)!, "psc-shim");

        Assert.Equal("/opt/x/psc-shim", ContainerLauncher.ShimPathFrom("/opt/x/psc-shim"));
        Assert.Equal(nextToAssembly, ContainerLauncher.ShimPathFrom(null));
        Assert.Equal(nextToAssembly, ContainerLauncher.ShimPathFrom(""));
    }

    [Fact]
    public async Task MissingShimOrBundleIsNotFound()
    {
        string dir = Directory.CreateTempSubdirectory("psc-launch-").FullName;
        try
        {
            var noBundle = await Assert.ThrowsAsync<ContainerRuntimeException>(() => new ContainerLauncher("/bin/true").StartAsync(dir, LaunchOptions.Attached, CancellationToken.None));
            File.WriteAllText(Path.Combine(dir, Bundle.ConfigFile), "{}");
            var noShim = await Assert.ThrowsAsync<ContainerRuntimeException>(() => new ContainerLauncher("/no/psc-shim").StartAsync(dir, LaunchOptions.Attached, CancellationToken.None));

            Assert.Equal(ErrorKind.NotFound, noBundle.Kind);
            Assert.Equal("ShimNotFound", noShim.ErrorId);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(false, false, "run /b")]
    [InlineData(true, false, "run --detach /b")]
    [InlineData(true, true, "run --detach --remove /b")]
    [InlineData(false, true, "run /b")] // --remove is the shim's only when detached; attached, the engine removes
    public void ShimCommandLine(bool detach, bool autoRemove, string expected)
    {
        var arguments = ContainerLauncher.ShimArguments("/b", new LaunchOptions { Detach = detach, AutoRemove = autoRemove });

        Assert.Equal(expected, string.Join(' ', arguments));
    }
}
