using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>Starting containers: attached, detached, again after they exited, and restarting them.</summary>
public sealed partial class ContainerService
{
    /// <summary>
    /// Starts a created or exited container attached: the caller relays its streams, then calls
    /// <see cref="FinishAttachedAsync"/>. Until then the container cannot be deleted under it. A
    /// <paramref name="prepared"/> launch (<see cref="PrepareRun"/>) for this container is used instead of a new shim.
    /// </summary>
    public async Task<AttachedContainer> StartAttachedAsync(Container container, CancellationToken cancellationToken, PreparedLaunch? prepared = null)
    {
        // Waiters before the change lock (ContainerLocks' order); held shared until the exit status is read.
        var waiters = await ContainerLocks.WaitAsync(container, cancellationToken).ConfigureAwait(false);
        try
        {
            using var change = await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false);
            var current = Refresh(container);
            ContainerTransitions.Check(current, ContainerStatus.Running);
            var running = await LaunchAsync(current, LaunchOptions.Attached, prepared, cancellationToken).ConfigureAwait(false);
            return new AttachedContainer(current, running, waiters);
        }
        catch
        {
            waiters.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for an attached container to end and returns how it ended; removes it afterwards if it was created
    /// with AutoRemove (the shim does not, attached: this caller reports the status first).
    /// </summary>
    public async Task<ExitStatus> FinishAttachedAsync(AttachedContainer attached, CancellationToken cancellationToken)
    {
        var status = await attached.Running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        attached.ReleaseWaiters();
        // The shim may still be exiting: the removal goes on meanwhile, and waits for it at its end.
        var shimExited = attached.Running.WaitForShimExitAsync(CancellationToken.None);
        if (attached.Container.AutoRemove)
        {
            await RemoveIfPresentAsync(attached.Container, cancellationToken, shimExited).ConfigureAwait(false);
        }
        await shimExited.ConfigureAwait(false);
        return status;
    }

    /// <summary>
    /// Starts a created or exited container detached (docker start, docker run -d) and returns it running; a
    /// container that already runs is returned as it is. Throws <see cref="ContainerStartException"/> when its
    /// command cannot be run (and removes it first if it is an AutoRemove container).
    /// </summary>
    public async Task<Container> StartDetachedAsync(Container container, CancellationToken cancellationToken, PreparedLaunch? prepared = null)
    {
        ExitStatus failure;
        using (await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false))
        {
            var current = Refresh(container);
            if (current.Status == ContainerStatus.Running)
            {
                return current; // docker start on a running container: nothing to do
            }
            ContainerTransitions.Check(current, ContainerStatus.Running);
            var result = await LaunchDetachedAsync(current, cancellationToken, prepared).ConfigureAwait(false);
            if (result.Started is { } started)
            {
                return started;
            }
            failure = result.Failure!;
        }

        if (container.AutoRemove)
        {
            await RemoveIfPresentAsync(container, cancellationToken).ConfigureAwait(false);
        }
        throw ContainerStartException.From(container.Name, failure);
    }

    /// <summary>
    /// Stops the container if it runs (as <see cref="StopAsync"/>) and starts it again detached, all under one
    /// hold of its change lock, so nothing — not even its own --remove — comes in between.
    /// </summary>
    public async Task<Container> RestartAsync(Container container, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using (await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false))
        {
            var current = await StopLockedAsync(Refresh(container), timeout, cancellationToken).ConfigureAwait(false);
            ContainerTransitions.Check(current, ContainerStatus.Running);
            var result = await LaunchDetachedAsync(current, cancellationToken).ConfigureAwait(false);
            return result.Started ?? throw ContainerStartException.From(container.Name, result.Failure!);
        }
    }

    /// <summary>Runs the shim detached; the caller holds the change lock.</summary>
    private async Task<(Container? Started, ExitStatus? Failure)> LaunchDetachedAsync(Container current, CancellationToken cancellationToken,
        PreparedLaunch? prepared = null)
    {
        using var running = await LaunchAsync(current, DetachedLaunch(current.AutoRemove), prepared, cancellationToken).ConfigureAwait(false);
        if (running.Started)
        {
            // Re-read rather than trust: a fast command (true) may already have ended.
            return (_store.Reload(current) ?? current with { Status = ContainerStatus.Exited }, null);
        }
        var status = await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (status.Error is null)
        {
            status = status with { Error = await running.ReadErrorOutputAsync(cancellationToken).ConfigureAwait(false) };
        }
        return (null, status);
    }

    /// <summary>
    /// docker run: starts the shim for a container that <see cref="CreateAsync"/> is about to make, so that its start
    /// overlaps the creation. Pass it to CreateAsync, then to <see cref="StartAttachedAsync"/> or
    /// <see cref="StartDetachedAsync"/>; dispose it in any case (unused, its shim exits having done nothing).
    /// </summary>
    public PreparedLaunch PrepareRun(bool detach, RunOptions options) =>
        _launcher().Prepare(_store.DirectoryOf(ContainerNames.NewId()), detach ? DetachedLaunch(options.AutoRemove) : LaunchOptions.Attached);

    private static LaunchOptions DetachedLaunch(bool autoRemove) => new() { Detach = true, AutoRemove = autoRemove };

    /// <summary>The prepared launch when it is this container's, else a shim started now.</summary>
    private Task<RunningContainer> LaunchAsync(Container current, LaunchOptions options, PreparedLaunch? prepared, CancellationToken cancellationToken) =>
        prepared is not null && prepared.IsFor(current.Directory, options)
            ? prepared.StartAsync(cancellationToken)
            : _launcher().StartAsync(current.Directory, options, cancellationToken);
}
