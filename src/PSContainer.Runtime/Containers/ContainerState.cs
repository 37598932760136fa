using System.Text.Json;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// A container's runtime state, derived each time from what the shim recorded — <c>shim.json</c> once the
/// container process runs, <c>exit.json</c> when it has ended — and from /proc (runc's way): a shim that was
/// killed never leaves a container that looks alive forever.
/// </summary>
internal sealed record ContainerState(ContainerStatus Status, int? Pid, int? ExitCode, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    /// <summary>exit.json's oomKilled: the OOM killer struck while the container ran.</summary>
    public bool OOMKilled { get; init; }

    public static ContainerState Read(string directory)
    {
        var shim = Try(() => ShimState.ReadFrom(directory));
        var exit = Try(() => ExitStatus.ReadFrom(directory));
        if (exit is not null)
        {
            return new ContainerState(ContainerStatus.Exited, shim?.Pid, exit.ExitCode, exit.Error, shim?.StartedAt, exit.FinishedAt) { OOMKilled = exit.OOMKilled };
        }
        if (shim is null)
        {
            return new ContainerState(ContainerStatus.Created, null, null, null, null, null);
        }
        if (IsShim(shim.ShimPid))
        {
            return new ContainerState(ContainerStatus.Running, shim.Pid, null, null, shim.StartedAt, null);
        }
        // The monitor died without recording an exit (kill -9): the container died with it (PDEATHSIG).
        return new ContainerState(ContainerStatus.Exited, shim.Pid, 137, "the container's monitor (psc-shim) was killed", shim.StartedAt, null);
    }

    private static T? Try<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is a live psc-shim (not a zombie, not a reused pid).</summary>
    private static bool IsShim(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int open = stat.IndexOf('(');
            int close = stat.LastIndexOf(')');
            return open > 0 && close > open && stat[(open + 1)..close] == "psc-shim" && close + 2 < stat.Length && stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
