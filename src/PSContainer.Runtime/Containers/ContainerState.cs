using System.Text.Json;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// A container's runtime state, derived each time from what the shim recorded — <c>shim.json</c> once the
/// container process runs, <c>exit.json</c> when it has ended — and from /proc (runc's way): each recorded pid is
/// checked together with its start time, so neither a killed shim nor a reused pid leaves a container that looks
/// alive forever.
/// </summary>
internal sealed record ContainerState(
    ContainerStatus Status, int? Pid, int? ExitCode, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, ShimState? Shim)
{
    /// <summary>exit.json's oomKilled: the OOM killer struck while the container ran.</summary>
    public bool OOMKilled { get; init; }

    /// <summary>The error of a run whose monitor died before it could record the end.</summary>
    public const string MonitorKilled = "the container's monitor (psc-shim) was killed";

    public static ContainerState Read(string directory, bool removing = false)
    {
        var shim = Try(() => ShimState.ReadFrom(directory));
        var exit = Try(() => ExitStatus.ReadFrom(directory));
        if (removing)
        {
            return new ContainerState(ContainerStatus.Removing, null, exit?.ExitCode, exit?.Error, shim?.StartedAt, exit?.FinishedAt, shim);
        }
        if (exit is not null)
        {
            return Exited(exit, shim);
        }
        if (shim is null)
        {
            return new ContainerState(ContainerStatus.Created, null, null, null, null, null, null);
        }
        // Running while the init lives, and also while only the monitor does: it is relaying the last output and
        // about to record the end, which is not there yet. Paused while the container's freezer holds it.
        if (shim.IsInitAlive)
        {
            var status = CgroupState.ReadFrom(directory)?.ToCgroup().IsFrozen == true ? ContainerStatus.Paused : ContainerStatus.Running;
            return new ContainerState(status, shim.Pid, null, null, shim.StartedAt, null, shim);
        }
        if (shim.IsShimAlive)
        {
            return new ContainerState(ContainerStatus.Running, shim.Pid, null, null, shim.StartedAt, null, shim);
        }
        // Both gone. The monitor writes exit.json and then exits, so it may have recorded the end since the read
        // above: read it again before calling the monitor killed (a detached run that ended just then looked 137).
        if (Try(() => ExitStatus.ReadFrom(directory)) is { } recorded)
        {
            return Exited(recorded, shim);
        }

        // The monitor died without recording an exit (kill -9): the container died with it (PDEATHSIG, SIGKILL).
        return new ContainerState(ContainerStatus.Exited, shim.Pid, 137, MonitorKilled, shim.StartedAt, null, shim);
    }

    private static ContainerState Exited(ExitStatus exit, ShimState? shim) =>
        new(ContainerStatus.Exited, shim?.Pid, exit.ExitCode, exit.Error, shim?.StartedAt, exit.FinishedAt, shim) { OOMKilled = exit.OOMKilled };

    private static T? Try<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
