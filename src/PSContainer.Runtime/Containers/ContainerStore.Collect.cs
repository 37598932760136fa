using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Containers;

/// <summary>The garbage collection: what crashes and killed processes left behind, finished by the next engine call.</summary>
public sealed partial class ContainerStore
{
    /// <summary>
    /// Finishes, without waiting for anyone, what was left half-done: removals interrupted by a crash
    /// (removing-&lt;id&gt;), creations interrupted before container.json, and exited --rm containers whose monitor
    /// could not remove them (it was killed, or the run was attached and its pwsh died). Anything locked by a
    /// live process is skipped: its owner is still at work. Last, volumes whose deletion was cut short
    /// (<see cref="VolumeStore.EmptyTrash"/>).
    /// </summary>
    public void CollectGarbage()
    {
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            string name = Path.GetFileName(directory);
            try
            {
                if (name.StartsWith(ContainerDirectory.RemovingPrefix, StringComparison.Ordinal))
                {
                    RemoveLocked(directory);
                }
                else if (ContainerNames.IsId(name))
                {
                    CollectContainer(directory);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: the next call tries again.
            }
        }

        try
        {
            _volumes?.EmptyTrash();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void CollectContainer(string directory)
    {
        var container = Load(directory);
        if (container is null)
        {
            // No container.json: a creation that died half-way, or one in progress right now, which holds the
            // store lock for its whole length.
            using var storeLock = FileLock.TryAcquire(Path.Combine(_root, StoreLockFile));
            if (storeLock is not null && ReadRecord(directory) is null)
            {
                TryDelete(directory);
            }
            return;
        }
        if (container.AutoRemove && container.Status == ContainerStatus.Exited)
        {
            RemoveLocked(directory, requireExitedAutoRemove: true);
        }
    }

    /// <summary>Deletes <paramref name="directory"/> if both its locks are free (and, if asked, it is still an exited --rm container whose monitor is gone).</summary>
    private void RemoveLocked(string directory, bool requireExitedAutoRemove = false)
    {
        var locks = ContainerLocks.TryDelete(directory);
        if (locks is not { } held)
        {
            return;
        }
        using (held.Waiters)
        using (held.Change)
        {
            if (requireExitedAutoRemove)
            {
                var state = ContainerState.Read(directory);
                // A monitor still alive will remove the container itself (psc-shim --remove).
                if (state.Status != ContainerStatus.Exited || state.Shim?.IsShimAlive == true || ReadRecord(directory) is not { AutoRemove: true })
                {
                    return;
                }
            }
            if (requireExitedAutoRemove)
            {
                RemoveAutoRemoved(directory);
            }
            else
            {
                ContainerDirectory.Remove(directory, TrashVolumesOf);
            }
        }
    }
}
