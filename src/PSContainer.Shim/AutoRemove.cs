using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// docker run --rm -d: stage 1 deletes the container, and its anonymous volumes, once it has ended and its exit is
/// recorded. Attached runs are removed by the engine instead, which has the exit status to report first.
/// </summary>
internal static class AutoRemove
{
    public static void Run(string bundleDirectory)
    {
        try
        {
            // The order of ContainerLocks: waiters first, so everyone waiting for this exit (Wait-Container) has
            // read exit.json before it goes; then the container lock, so no change is half-done under us.
            using FileLock waiters = FileLock.Acquire(Path.Combine(bundleDirectory, Bundle.WaitersLockFile));
            using FileLock change = FileLock.Acquire(Path.Combine(bundleDirectory, Bundle.LockFile));

            // While we waited, Restart-Container may have started the container again (a new shim.json), or
            // Remove-Container removed it: then it is not ours to remove.
            ShimState? state = ShimState.ReadFrom(bundleDirectory);
            if (state is null || state.ShimPid != Environment.ProcessId)
            {
                return;
            }

            ContainerStore.Of(bundleDirectory).RemoveAutoRemoved(bundleDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            // The directory went meanwhile (ENOENT opening a lock), or deleting failed; the next engine call
            // finds an exited --rm container and removes it (ContainerStore's garbage collection).
            Console.Error.WriteLine("psc-shim: --remove: " + e.Message);
        }
    }
}
