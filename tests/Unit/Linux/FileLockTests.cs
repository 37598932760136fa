using PSContainer.Runtime.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace PSContainer.Tests.Linux;

public sealed unsafe class FileLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("psc-filelock-").FullName;

    [Fact]
    public void A_released_lock_is_free_at_once_even_while_a_copy_of_its_descriptor_lives()
    {
        // The copy stands for a child that another thread forked and that has not reached its exec yet.
        string path = Path.Combine(_directory, "x.lock");
        FileLock held = FileLock.TryAcquire(path) ?? throw new InvalidOperationException("the lock is taken");
        int copy = dup(DescriptorOf(path));
        Assert.True(copy >= 0);
        try
        {
            Assert.Null(FileLock.TryAcquire(path));
            held.Dispose();
            using FileLock? again = FileLock.TryAcquire(path);
            Assert.NotNull(again);
        }
        finally
        {
            close(copy);
        }
    }

    [Fact]
    public void A_shared_lock_admits_shared_holders_and_keeps_out_an_exclusive_one()
    {
        string path = Path.Combine(_directory, "y.lock");
        using FileLock? first = FileLock.TryAcquire(path, shared: true);
        using FileLock? second = FileLock.TryAcquire(path, shared: true);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(FileLock.TryAcquire(path));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // The test's own descriptor of the lock file, found by its link in /proc/self/fd.
    private static int DescriptorOf(string path)
    {
        foreach (string link in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (new FileInfo(link).LinkTarget == path)
            {
                return int.Parse(Path.GetFileName(link), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("no descriptor of " + path + " in /proc/self/fd");
    }
}
