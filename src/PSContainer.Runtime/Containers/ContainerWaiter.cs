using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Waiting, from any process, for a run of a container to end and be recorded. The init is watched through a
/// pidfd (no polling while it runs); after it has exited, the monitor needs a moment to drain the output and
/// write exit.json, which is watched for with short sleeps — ended means exit.json is there, or the monitor that
/// would write it is gone. Never "the monitor has exited": with --remove it lives on until the waiters are done.
/// </summary>
internal static class ContainerWaiter
{
    /// <summary>
    /// Waits until the run recorded in <paramref name="shim"/> has ended and is recorded. Returns false if
    /// <paramref name="timeout"/> passed first (the init still runs).
    /// </summary>
    public static async Task<bool> WaitForEndAsync(string directory, ShimState shim, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using (ProcessHandle? init = ProcessHandle.Open(shim.Pid, shim.PidStartTime))
        {
            if (init is not null)
            {
                using CancellationTokenSource limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (timeout is { } t)
                {
                    limit.CancelAfter(t);
                }

                try
                {
                    await init.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            }
        }

        int delay = 1;
        while (!IsRecorded(directory, shim))
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 50);
        }

        return true;
    }

    /// <summary>
    /// Waits for the monitor process of <paramref name="shim"/> to exit, and then, for a moment, for its parent to
    /// reap it (the pwsh that started it, whose runtime reaps its children at once; or init if that pwsh is gone),
    /// so that not even a zombie is left when a removal returns. A parent that never reaps is not waited for.
    /// </summary>
    public static async Task WaitForMonitorExitAsync(ShimState shim, CancellationToken cancellationToken)
    {
        using ProcessHandle? monitor = ProcessHandle.Open(shim.ShimPid, shim.ShimStartTime);
        if (monitor is null)
        {
            return;
        }
        await monitor.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < 200 && ProcessIdentity.Read(shim.ShimPid) is { } zombie && zombie.StartTime == shim.ShimStartTime; i++)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The end of the run is known: exit.json exists (for this run), or its monitor is gone.</summary>
    private static bool IsRecorded(string directory, ShimState shim)
    {
        if (File.Exists(Path.Combine(directory, Bundle.ExitStatusFile)) || !Directory.Exists(directory))
        {
            return true;
        }

        return !shim.IsShimAlive;
    }
}
