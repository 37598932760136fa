using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>Reading a container's files through its overlay layers, as the kernel would merge them.</summary>
public sealed class RootfsFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _top;
    private readonly string _middle;
    private readonly string _bottom;

    public RootfsFilesTests()
    {
        _top = Directory.CreateDirectory(_temp.Combine("top")).FullName;
        _middle = Directory.CreateDirectory(_temp.Combine("middle")).FullName;
        _bottom = Directory.CreateDirectory(_temp.Combine("bottom")).FullName;
    }

    public void Dispose() => _temp.Dispose();

    private RootfsFiles Files => RootfsFiles.FromLayers([_top, _middle, _bottom]);

    [Fact]
    public void TheTopmostLayerWithTheFileWins()
    {
        Write(_bottom, "etc/passwd", "bottom");
        Write(_middle, "etc/passwd", "middle");

        Assert.Equal("middle", Read("/etc/passwd"));
        Assert.Equal("bottom", RootfsFiles.FromLayers([_bottom]).ReadFile("/etc/passwd") is { } b ? System.Text.Encoding.UTF8.GetString(b) : null);
    }

    [Fact]
    public void AWhiteoutHidesTheFileBelow()
    {
        Write(_bottom, "etc/passwd", "bottom");
        Directory.CreateDirectory(Path.Combine(_top, "etc"));
        Whiteout(Path.Combine(_top, "etc/passwd"));

        Assert.Null(Read("/etc/passwd"));
    }

    [Fact]
    public void AnOpaqueDirectoryHidesEverythingBelowIt()
    {
        Write(_bottom, "etc/passwd", "bottom");
        Write(_middle, "etc/group", "middle");
        Opaque(Path.Combine(_middle, "etc"));

        Assert.Null(Read("/etc/passwd"));
        Assert.Equal("middle", Read("/etc/group"));
    }

    [Fact]
    public void ALowerSymlinkHiddenByAnUpperDirectoryIsNotFollowed()
    {
        string host = Directory.CreateDirectory(_temp.Combine("host-etc")).FullName;
        File.WriteAllText(Path.Combine(host, "passwd"), "host secret");
        File.CreateSymbolicLink(Path.Combine(_bottom, "etc"), host);
        Write(_top, "etc/group", "top");

        Assert.Null(Read("/etc/passwd"));
        Assert.Equal("top", Read("/etc/group"));
    }

    [Fact]
    public void SymlinksResolveInsideTheMergedRootEvenWhenTheyClimbOut()
    {
        Write(_bottom, "real/passwd", "inside");
        Directory.CreateDirectory(Path.Combine(_top, "etc"));
        File.CreateSymbolicLink(Path.Combine(_top, "etc/passwd"), "../../../../../real/passwd");
        File.CreateSymbolicLink(Path.Combine(_middle, "abs"), "/real");

        Assert.Equal("inside", Read("/etc/passwd"));
        Assert.Equal("inside", Read("/abs/passwd"));
    }

    [Fact]
    public void ALiveContainersRootIsReadInsideIt()
    {
        // This process's own root stands in for a container's: /proc/self/root.
        Assert.Equal(File.ReadAllText("/etc/hostname"), RootfsFiles.FromProcessRoot(Environment.ProcessId).ReadFile("/etc/hostname") is { } b ? System.Text.Encoding.UTF8.GetString(b) : null);
        Assert.Null(RootfsFiles.FromProcessRoot(Environment.ProcessId).ReadFile("/etc"));
    }

    private string? Read(string path) => Files.ReadFile(path) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    private static void Write(string layer, string relative, string content)
    {
        string path = Path.Combine(layer, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static unsafe void Whiteout(string path)
    {
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            Assert.Equal(0, PSContainer.Runtime.Linux.Interop.LibC.mknodat(Tmds.Linux.LibC.AT_FDCWD, p, 0x2000 | 0x180, 0));
        }
    }

    private static unsafe void Opaque(string directory)
    {
        fixed (byte* p = NativeStrings.Utf8z(directory))
        fixed (byte* key = "trusted.overlay.opaque\0"u8)
        fixed (byte* value = "y"u8)
        {
            Assert.Equal(0, PSContainer.Runtime.Linux.Interop.LibC.setxattr(p, key, value, 1, 0));
        }
    }
}
