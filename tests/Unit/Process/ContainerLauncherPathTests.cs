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
    public void MissingShimOrBundleIsNotFound()
    {
        string dir = Directory.CreateTempSubdirectory("psc-launch-").FullName;
        try
        {
            var noBundle = Assert.Throws<ContainerRuntimeException>(() => new ContainerLauncher("/bin/true").Start(dir));
            File.WriteAllText(Path.Combine(dir, Bundle.ConfigFile), "{}");
            var noShim = Assert.Throws<ContainerRuntimeException>(() => new ContainerLauncher("/no/psc-shim").Start(dir));

            Assert.Equal(ErrorKind.NotFound, noBundle.Kind);
            Assert.Equal("ShimNotFound", noShim.ErrorId);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
