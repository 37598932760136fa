using Microsoft.Win32.SafeHandles;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// An exclusive (or, where asked, shared) flock(2) on a lock file, held until disposed. flock locks belong to the open file description, so
/// they exclude other processes and other FileLock instances in this process alike, and the kernel drops them when a
/// process dies (a kill -9 never leaves a stale lock behind — the lock file itself may stay and is harmless).
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFileHandle _file;

    private FileLock(SafeFileHandle file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock without waiting; null when another holder has it.</summary>
    public static FileLock? TryAcquire(string path, bool shared = false)
    {
        var file = OpenLockFile(path);
        if (TryLock(file, path, shared))
        {
            return new FileLock(file, path);
        }
        file.Dispose();
        return null;
    }

    /// <summary>
    /// Waits for the lock, blocking the calling thread in flock(2). For psc-shim, whose monitor thread may not
    /// start timers or pool threads (see Monitor.cs); everything else uses <see cref="AcquireAsync(string, CancellationToken)"/>.
    /// </summary>
    public static FileLock Acquire(string path, bool shared = false)
    {
        var file = OpenLockFile(path);
        while (Native.flock((int)file.DangerousGetHandle(), shared ? Native.LOCK_SH : Native.LOCK_EX) != 0)
        {
            int errno = LinuxException.LastErrno;
            if (errno != Sys.EINTR)
            {
                file.Dispose();
                throw new LinuxException(errno, "flock", path);
            }
        }
        return new FileLock(file, path);
    }

    /// <summary>
    /// Waits for the lock. flock has no timeout, and a thread blocked in it cannot be cancelled, so this polls with
    /// LOCK_NB and a growing delay (1 ms up to 100 ms): cheap when uncontended, responsive to cancellation when not.
    /// </summary>
    public static Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken) =>
        AcquireAsync(path, shared: false, cancellationToken);

    /// <summary>As <see cref="AcquireAsync(string, CancellationToken)"/>; a shared lock excludes exclusive holders only.</summary>
    public static async Task<FileLock> AcquireAsync(string path, bool shared, CancellationToken cancellationToken)
    {
        var file = OpenLockFile(path);
        try
        {
            int delay = 1;
            while (!TryLock(file, path, shared))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            return new FileLock(file, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Releases the lock with LOCK_UN, then closes. Closing alone is not enough: a child that another thread has just
    /// forked holds a copy of the descriptor until its exec closes it (close-on-exec), and the lock, which belongs to
    /// the open file and not to the descriptor, would stay held until then. No lock is ever handed to a child.
    /// </summary>
    public void Dispose()
    {
        if (!_file.IsClosed)
        {
            Native.flock((int)_file.DangerousGetHandle(), Native.LOCK_UN);
        }
        _file.Dispose();
    }

    // Opened with open(2) rather than File.OpenHandle, because .NET emulates FileShare with flock on the same
    // descriptor, which would interfere with the lock taken here.
    private static unsafe SafeFileHandle OpenLockFile(string path)
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

    private static bool TryLock(SafeFileHandle file, string path, bool shared)
    {
        while (true)
        {
            if (Native.flock((int)file.DangerousGetHandle(), (shared ? Native.LOCK_SH : Native.LOCK_EX) | Native.LOCK_NB) == 0)
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
