using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>Ending containers: stop (signal, grace period, SIGKILL), wait, remove.</summary>
public sealed partial class ContainerService
{
    /// <summary>
    /// Stops a running container (docker stop): its StopSignal (SIGTERM unless the image says otherwise) to its
    /// init, up to <paramref name="timeout"/> for it to end, then SIGKILL; a zero timeout kills at once. A container
    /// that does not run is returned as it is. Returns once the end is recorded.
    /// </summary>
    public async Task<Container> StopAsync(Container container, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using (await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false))
        {
            return await StopLockedAsync(Refresh(container), timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the container to end and returns its exit code (docker wait). A created container is waited for
    /// until it has been started and has ended; an exited one answers at once.
    /// </summary>
    public async Task<int> WaitAsync(Container container, CancellationToken cancellationToken)
    {
        int delay = 10;
        while (true)
        {
            var current = Refresh(container);
            switch (current.Status)
            {
                case ContainerStatus.Exited:
                    return current.ExitCode;
                case ContainerStatus.Removing:
                    ContainerTransitions.Check(current, ContainerStatus.Exited);
                    break;
                case ContainerStatus.Running or ContainerStatus.Paused:
                    // Shared waiters lock: whoever deletes the container (its own --remove included) waits until
                    // the exit status has been read here.
                    using (await ContainerLocks.WaitAsync(current, cancellationToken).ConfigureAwait(false))
                    {
                        current = Refresh(current);
                        if (current.Status is ContainerStatus.Running or ContainerStatus.Paused &&
                            ShimState.ReadFrom(current.Directory) is { } shim)
                        {
                            await ContainerWaiter.WaitForEndAsync(current.Directory, shim, null, cancellationToken).ConfigureAwait(false);
                            current = Refresh(current);
                        }
                        if (current.Status == ContainerStatus.Exited)
                        {
                            return current.ExitCode;
                        }
                    }
                    delay = 10;
                    continue;
            }
            // Created: nothing to watch yet but the files; look again soon.
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 250);
        }
    }

    /// <summary>
    /// Removes a container (docker rm): everything in its directory, and with it its upper layer, log and state. A
    /// running or paused container is refused unless <paramref name="force"/>, which kills it first. With
    /// <paramref name="removeVolumes"/> (docker rm -v) its anonymous volumes go too — never a named volume or a bind
    /// mount, and never a volume another container uses. Returns once its monitor process is gone too.
    /// </summary>
    public Task RemoveAsync(Container container, bool force, bool removeVolumes, CancellationToken cancellationToken) =>
        RemoveAsync(container, force, removeVolumes, cancellationToken, monitorExited: null);

    /// <param name="monitorExited">
    /// When the caller started the last monitor itself (an attached run): completes once that child has been reaped,
    /// which is what step 3 then waits for instead of watching the pid.
    /// </param>
    private async Task RemoveAsync(Container container, bool force, bool removeVolumes, CancellationToken cancellationToken, Task? monitorExited)
    {
        // 1. Under the change lock: refuse, or kill and wait for the end to be recorded.
        ShimState? lastRun;
        using (await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false))
        {
            var current = Refresh(container);
            if (current.Status is ContainerStatus.Running or ContainerStatus.Paused && force)
            {
                current = await StopLockedAsync(current, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            ContainerTransitions.Check(current, ContainerStatus.Removing);
            lastRun = ShimState.ReadFrom(current.Directory);
        }

        // 2. Waiters first (ContainerLocks' order): everyone waiting for this container's exit has read it. Then the
        //    change lock again, and a last look: it may have been started meanwhile.
        using (await ContainerLocks.DeleteAsync(container, cancellationToken).ConfigureAwait(false))
        using (await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false))
        {
            var current = Refresh(container);
            ContainerTransitions.Check(current, ContainerStatus.Removing);
            lastRun = ShimState.ReadFrom(current.Directory) ?? lastRun;
            _store.Remove(current.Directory, removeVolumes);
        }

        if (removeVolumes)
        {
            await _store.EmptyVolumeTrashAsync(cancellationToken).ConfigureAwait(false);
        }

        // 3. No process left behind: the last monitor may still be on its way out (a --remove one finds its
        //    directory gone once the locks are free, and exits).
        if (monitorExited is not null)
        {
            await monitorExited.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (lastRun is not null)
        {
            await ContainerWaiter.WaitForMonitorExitAsync(lastRun, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the container; the caller holds the change lock.</summary>
    private async Task<Container> StopLockedAsync(Container current, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (current.Status is not (ContainerStatus.Running or ContainerStatus.Paused))
        {
            return current; // docker stop on a container that does not run: nothing to do
        }
        ContainerTransitions.Check(current, ContainerStatus.Exited);
        var shim = ShimState.ReadFrom(current.Directory) ?? throw Gone(current);

        // A frozen container handles no signal until it is thawed: signal it, then thaw it (docker does the same).
        bool ended = false;
        if (timeout > TimeSpan.Zero)
        {
            int signal = SignalNames.TryParse(current.StopSignal) ?? Signals.SIGTERM;
            SignalInit(current, signal);
            ThawIfPaused(current);
            ended = await ContainerWaiter.WaitForEndAsync(current.Directory, shim, timeout, cancellationToken).ConfigureAwait(false);
        }
        if (!ended)
        {
            SignalInit(current, Signals.SIGKILL);
            ThawIfPaused(current);
            await ContainerWaiter.WaitForEndAsync(current.Directory, shim, null, cancellationToken).ConfigureAwait(false);
        }
        return Refresh(current);
    }

    private static void ThawIfPaused(Container current)
    {
        try
        {
            if (current.Status == ContainerStatus.Paused)
            {
                CgroupState.ReadFrom(current.Directory)?.ToCgroup().Thaw();
            }
        }
        catch (LinuxException e) when (e.Errno == Errno.ENOENT)
        {
            // The signal was enough (a fatal one reaches frozen tasks on newer kernels): its monitor removed the cgroup.
        }
    }

    /// <summary>Signals the init of the run recorded in shim.json, through a pidfd checked against its start time.</summary>
    private static void SignalInit(Container current, int signal)
    {
        var shim = ShimState.ReadFrom(current.Directory);
        if (shim is null)
        {
            return;
        }
        // Gone already (the monitor is only finishing its records): nothing to signal.
        using var init = ProcessHandle.Open(shim.Pid, shim.PidStartTime);
        init?.Signal(signal);
    }

    private async Task RemoveIfPresentAsync(Container container, CancellationToken cancellationToken, Task? monitorExited = null)
    {
        try
        {
            // docker run --rm takes the container's anonymous volumes with it.
            await RemoveAsync(container, force: false, removeVolumes: true, cancellationToken, monitorExited).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException e) when (e.ErrorId == "ContainerNotFound")
        {
            // Removed by someone else already.
        }
    }
}
