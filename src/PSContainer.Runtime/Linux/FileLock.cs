using Microsoft.Win32.SafeHandles;
using PSContainer.Runtime.Errors;
using static PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// An exclusive advisory lock on a file (flock(2)), shared by every process that uses the same store.
/// The lock belongs to the open file description, so it is released when the handle closes — including
/// when the process is killed, which is why flock (and not a lock file's existence) guards the stores.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFileHandle _handle;

    private FileLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock, waiting (with growing pauses) until it is free or the token is cancelled.</summary>
    public static async Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var handle = Open(path);
        try
        {
            int delay = 2;
            while (!TryLock(handle, path))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            return new FileLock(handle, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Takes the lock if it is free right now; null otherwise.</summary>
    public static FileLock? TryAcquire(string path)
    {
        var handle = Open(path);
        if (TryLock(handle, path))
        {
            return new FileLock(handle, path);
        }
        handle.Dispose();
        return null;
    }

    private static SafeFileHandle Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // Opened with open(2) rather than FileStream: .NET takes a flock of its own on the files it opens,
        // which would fail (instead of wait) while another process holds our lock.
        int fd;
        unsafe
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes)
            {
                fd = Tmds.Linux.LibC.open(p, Tmds.Linux.LibC.O_RDWR | Tmds.Linux.LibC.O_CREAT | Tmds.Linux.LibC.O_CLOEXEC, 420 /* 0644 */);
            }
        }
        if (fd < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new ContainerRuntimeException(ErrorKind.Unknown, "FileLockFailed", $"open {path}: errno {errno}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static bool TryLock(SafeFileHandle handle, string path)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                if (flock((int)handle.DangerousGetHandle(), LOCK_EX | LOCK_NB) == 0)
                {
                    return true;
                }
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Tmds.Linux.LibC.EINTR)
                {
                    continue;
                }
                if (errno == Tmds.Linux.LibC.EWOULDBLOCK)
                {
                    return false;
                }
                throw new ContainerRuntimeException(ErrorKind.Unknown, "FileLockFailed", $"flock {path}: errno {errno}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
