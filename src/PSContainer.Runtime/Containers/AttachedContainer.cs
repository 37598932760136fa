using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// A container started attached (<see cref="ContainerService.StartAttachedAsync"/>): its streams, and the shared
/// waiters lock that keeps it from being deleted (psc-shim --remove, garbage collection) before this caller has read
/// how it ended. Finish it with <see cref="ContainerService.FinishAttachedAsync"/>.
/// </summary>
public sealed class AttachedContainer : IDisposable
{
    private FileLock? _waiters;

    internal AttachedContainer(Container container, RunningContainer running, FileLock waiters)
    {
        Container = container;
        Running = running;
        _waiters = waiters;
    }

    /// <summary>The container as it was when it was started.</summary>
    public Container Container { get; }

    /// <summary>The shim process: stdin, stdout, stderr, Kill.</summary>
    public RunningContainer Running { get; }

    /// <summary>Lets others delete the container: its exit status has been read.</summary>
    internal void ReleaseWaiters()
    {
        _waiters?.Dispose();
        _waiters = null;
    }

    public void Dispose()
    {
        ReleaseWaiters();
        Running.Dispose();
    }
}
