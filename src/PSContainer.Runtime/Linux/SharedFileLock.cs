using Microsoft.Win32.SafeHandles;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A reader/writer flock(2) on a lock file: many holders of the shared lock, or one of the exclusive lock. Like
/// <see cref="FileLock"/> it belongs to the open file description, excludes other processes and other instances in
/// this process alike, and is released by the kernel when a process dies. The image store uses it so that garbage
/// collection (exclusive) never runs while a pull, import or export (shared) is between fetching content and
/// recording it.
/// </summary>
public sealed class SharedFileLock : IDisposable
{
    private readonly SafeFileHandle _file;

    private SharedFileLock(SafeFileHandle file, string path, bool exclusive)
    {
        _file = file;
        Path = path;
        IsExclusive = exclusive;
    }

    public string Path { get; }

    public bool IsExclusive { get; }

    /// <summary>Waits for the shared lock (polling, like <see cref="FileLock.AcquireAsync"/>, so cancellation works).</summary>
    public static Task<SharedFileLock> AcquireSharedAsync(string path, CancellationToken cancellationToken) =>
        AcquireAsync(path, Native.LOCK_SH, cancellationToken);

    /// <summary>Waits for the exclusive lock.</summary>
    public static Task<SharedFileLock> AcquireExclusiveAsync(string path, CancellationToken cancellationToken) =>
        AcquireAsync(path, Native.LOCK_EX, cancellationToken);

    private static async Task<SharedFileLock> AcquireAsync(string path, int operation, CancellationToken cancellationToken)
    {
        var file = Open(path);
        try
        {
            int delay = 1;
            while (!TryLock(file, operation, path))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            return new SharedFileLock(file, path, operation == Native.LOCK_EX);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Dispose() => _file.Dispose();

    private static unsafe SafeFileHandle Open(string path)
    {
        byte[] z = DirectoryFd.Z(path);
        int fd;
        fixed (byte* p = z)
        {
            fd = Sys.open(p, Sys.O_RDWR | Sys.O_CREAT | Sys.O_CLOEXEC, (ushort)0b110_100_100);
        }
        if (fd < 0)
        {
            throw LinuxException.FromLastError("open", path);
        }
        return new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
    }

    private static bool TryLock(SafeFileHandle file, int operation, string path)
    {
        while (true)
        {
            if (Native.flock((int)file.DangerousGetHandle(), operation | Native.LOCK_NB) == 0)
            {
                return true;
            }
            int errno = LinuxException.LastErrno;
            if (errno == Sys.EWOULDBLOCK)
            {
                return false;
            }
            if (errno != Sys.EINTR)
            {
                throw new LinuxException(errno, "flock", path);
            }
        }
    }
}
