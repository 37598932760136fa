using PSContainer.Runtime.Linux;
using PSContainer.Tests.Process;
using Xunit;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Tests.Linux;

/// <summary>
/// Both ways of mounting an overlay, as root, in a temp directory of the test host's own mount namespace.
/// In the psc-shim collection so that no container test (which compares the host's mountinfo before and
/// after) runs at the same time.
/// </summary>
[Collection(ShimCollection.Name)]
public sealed class MounterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psc-mount-").FullName;
    private readonly string _merged;
    private readonly string[] _options;

    public MounterTests()
    {
        string top = Layer("top", ("both", "top"), ("only-top", "t"));
        string bottom = Layer("bottom", ("both", "bottom"), ("only-bottom", "b"));
        _merged = Directory.CreateDirectory(Path.Combine(_dir, "merged")).FullName;
        _options = ["lowerdir+=" + top, "lowerdir+=" + bottom, "upperdir=" + Directory.CreateDirectory(Path.Combine(_dir, "upper")).FullName, "workdir=" + Directory.CreateDirectory(Path.Combine(_dir, "work")).FullName];
    }

    public void Dispose()
    {
        try
        {
            Mounter.Unmount(_merged, detach: true);
        }
        catch (LinuxException)
        {
            // not mounted: the test failed before
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void OverlayWithLowerdirPlusStacksLayersTopFirst()
    {
        Mounter.Mount(new Mount { Type = "overlay", Source = "overlay", Options = _options }, _merged);

        AssertMerged();
    }

    [Fact]
    public void OverlayThroughMountSyscallStacksLayersTopFirst()
    {
        Mounter.MountOverlayWithMountSyscall("overlay", _merged, MountOptions.Parse(_options));

        AssertMerged();
    }

    [Fact]
    public void OverlayErrorsCarryTheKernelsExplanation()
    {
        string[] options = ["lowerdir+=" + Path.Combine(_dir, "missing"), .. _options.Skip(1)];

        LinuxException e = Assert.Throws<LinuxException>(() => Mounter.Mount(new Mount { Type = "overlay", Source = "overlay", Options = options }, _merged));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void FsconfigErrorsCarryTheFilesystemsLog()
    {
        string[] options = [.. _options, "no_such_option=1"];

        LinuxException e = Assert.Throws<LinuxException>(() => Mounter.Mount(new Mount { Type = "overlay", Source = "overlay", Options = options }, _merged));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("Unknown parameter", e.Message);
    }

    private void AssertMerged()
    {
        Assert.Equal("top", File.ReadAllText(Path.Combine(_merged, "both")));
        Assert.Equal("t", File.ReadAllText(Path.Combine(_merged, "only-top")));
        Assert.Equal("b", File.ReadAllText(Path.Combine(_merged, "only-bottom")));
        File.WriteAllText(Path.Combine(_merged, "new"), "n");
        Mounter.Unmount(_merged, detach: false);
        Assert.True(File.Exists(Path.Combine(_dir, "upper", "new")));
        Assert.False(File.Exists(Path.Combine(_merged, "both")));
    }

    private string Layer(string name, params (string File, string Content)[] files)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        foreach ((string file, string content) in files)
        {
            File.WriteAllText(Path.Combine(dir, file), content);
        }

        return dir;
    }
}
