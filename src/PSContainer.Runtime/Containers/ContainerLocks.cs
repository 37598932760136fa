using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// The two flock files of a container, shared by every pwsh and every psc-shim that touches it:
/// <list type="bullet">
/// <item><c>lock</c>, exclusive: held for the whole of any change (start, stop, restart, rename, the delete step of a
/// removal), and each change re-reads the state under it before checking its transition.</item>
/// <item><c>waiters.lock</c>: held shared by whoever will read the exit status once the container ends (Wait-Container,
/// an attached Start-Container), and exclusively by whoever deletes the container — Remove-Container, psc-shim
/// --remove, the garbage collection of exited --rm containers — so that it goes only once they have read it.</item>
/// </list>
/// Order: <c>waiters.lock</c> before <c>lock</c>, never the other way round, and nobody waits for a container to end
/// while holding <c>lock</c> exclusively for longer than a stop takes — the psc-shim --remove path takes both after
/// the end is recorded, so a stop holding <c>lock</c> waits for exit.json, never for the shim to exit.
/// Both files live in the container's directory: when it is deleted, a process still waiting on the old file gets
/// the lock of a deleted container, and finds that out when it re-reads (<see cref="ContainerStore.Reload"/>).
/// </summary>
internal static class ContainerLocks
{
    /// <summary>The change lock (exclusive).</summary>
    public static Task<FileLock> ChangeAsync(Container container, CancellationToken cancellationToken) =>
        AcquireAsync(container, Bundle.LockFile, shared: false, cancellationToken);

    /// <summary>The waiters lock, shared: "I will read this container's exit status".</summary>
    public static Task<FileLock> WaitAsync(Container container, CancellationToken cancellationToken) =>
        AcquireAsync(container, Bundle.WaitersLockFile, shared: true, cancellationToken);

    /// <summary>The waiters lock, exclusive: every waiter has read the exit status; nobody else can start waiting.</summary>
    public static Task<FileLock> DeleteAsync(Container container, CancellationToken cancellationToken) =>
        AcquireAsync(container, Bundle.WaitersLockFile, shared: false, cancellationToken);

    /// <summary>Both locks without waiting (exclusive, in order), or null when either is held.</summary>
    public static (FileLock Waiters, FileLock Change)? TryDelete(string directory)
    {
        try
        {
            var waiters = FileLock.TryAcquire(Path.Combine(directory, Bundle.WaitersLockFile));
            if (waiters is null)
            {
                return null;
            }
            var change = FileLock.TryAcquire(Path.Combine(directory, Bundle.LockFile));
            if (change is null)
            {
                waiters.Dispose();
                return null;
            }
            return (waiters, change);
        }
        catch (LinuxException e) when (e.Errno == Errno.ENOENT)
        {
            return null;
        }
    }

    private static async Task<FileLock> AcquireAsync(Container container, string file, bool shared, CancellationToken cancellationToken)
    {
        try
        {
            return await FileLock.AcquireAsync(Path.Combine(container.Directory, file), shared, cancellationToken).ConfigureAwait(false);
        }
        catch (LinuxException e) when (e.Errno == Errno.ENOENT)
        {
            throw ContainerRuntimeException.NotFound("ContainerNotFound", $"no such container: {container.Name} (it was removed)", container.Name);
        }
    }
}
