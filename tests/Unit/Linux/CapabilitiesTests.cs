using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

public sealed class CapabilitiesTests
{
    /// <summary>docker's default set is the well-known mask 0xa80425fb (the CapBnd of every default docker container).</summary>
    [Fact]
    public void DockersDefaultsMakeDockersMask()
    {
        ulong mask = Capabilities.ToMask(PSContainer.Runtime.Containers.SpecBuilder.DefaultCapabilities);

        Assert.Equal(0xa80425fbUL, mask);
        Assert.Equal(PSContainer.Runtime.Containers.SpecBuilder.DefaultCapabilities.Order(), Capabilities.FromMask(mask).Order());
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithItsName()
    {
        var e = Assert.Throws<ContainerRuntimeException>(() => Capabilities.ToMask(["CAP_CHOWN", "CAP_NOPE"]));

        Assert.Equal("CapabilityUnknown", e.ErrorId);
        Assert.Contains("CAP_NOPE", e.Message);
    }

    [Fact]
    public void TheKernelsLastCapabilityIsReadFromProc()
    {
        Assert.Equal(int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim()), Capabilities.KernelLastCap);
    }

    [Fact]
    public void TheBoundingSetReadThroughPrctlIsWhatProcShows()
    {
        string line = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));

        Assert.Equal(Convert.ToUInt64(line.Split('\t')[1], 16), Capabilities.CurrentBoundingSet());
    }
}
