using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Snapshots;
using Xunit;

namespace PSContainer.Tests.Snapshots;

/// <summary>What a hostile or busy container can do to the reading of its changes.</summary>
public sealed class ChangeScannerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => DirectoryTree.RemoveAll(_temp.Path);

    /// <summary>Nests <paramref name="depth"/> directories named "d" under <paramref name="root"/>, by descriptor (no PATH_MAX).</summary>
    private static void Nest(string root, int depth)
    {
        var current = DirectoryFd.Open(root);
        for (int i = 0; i < depth; i++)
        {
            Assert.Equal(0, current.TryMakeDirectory("d\0"u8, 0b111_101_101));
            var next = current.TryOpenChild("d\0"u8, out int errno) ?? throw new LinuxException(errno, "openat", "d");
            current.Dispose();
            current = next;
        }
        current.Dispose();
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("copy")]
    public async Task Directories_nested_deeper_than_the_limit_are_refused_without_crashing(string driver)
    {
        string upper = Directory.CreateDirectory(_temp.Combine("upper")).FullName;
        string lower = Directory.CreateDirectory(_temp.Combine("lower")).FullName;
        Nest(upper, 40);
        var ex = await Assert.ThrowsAsync<ContainerRuntimeException>(() => Task.Run(() => driver == "overlay"
            ? ChangeScanner.Overlay("deep", upper, [lower], new HashSet<string>(), maxDepth: 32)
            : ChangeScanner.Copy("deep", upper, lower, new HashSet<string>(), maxDepth: 32)));
        Assert.Equal(("ContainerTreeTooDeep", ErrorKind.FailedPrecondition), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public async Task Directories_nested_up_to_the_default_limit_are_read_within_a_thread_pool_stack()
    {
        string upper = Directory.CreateDirectory(_temp.Combine("upper")).FullName;
        string lower = Directory.CreateDirectory(_temp.Combine("lower")).FullName;
        Nest(upper, ChangeScanner.MaxDepth);
        var changes = await Task.Run(() => ChangeScanner.Overlay("deep", upper, [lower], new HashSet<string>()));
        Assert.Equal(ChangeScanner.MaxDepth, changes.Count);
        Assert.All(changes, c => Assert.Equal(Runtime.Layers.ChangeKind.Added, c.Change));
    }
}
