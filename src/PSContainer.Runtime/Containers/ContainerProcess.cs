namespace PSContainer.Runtime.Containers;

/// <summary>A process running in a container (docker top): what the host sees and what the container sees.</summary>
public sealed record ContainerProcess
{
    public required string ContainerId { get; init; }

    public required string ContainerName { get; init; }

    /// <summary>The process id on the host.</summary>
    public required int Pid { get; init; }

    /// <summary>The process id inside the container's PID namespace (1 for its init).</summary>
    public required int ContainerPid { get; init; }

    /// <summary>The parent's process id on the host.</summary>
    public required int ParentPid { get; init; }

    public required uint Uid { get; init; }

    /// <summary>The user's name in the container's own /etc/passwd, or the uid when it has none.</summary>
    public required string User { get; init; }

    /// <summary>R running, S sleeping, D waiting on I/O, Z zombie, T stopped (frozen processes show their last state).</summary>
    public required char State { get; init; }

    public required DateTimeOffset Started { get; init; }

    /// <summary>User plus system CPU time so far.</summary>
    public required TimeSpan CpuTime { get; init; }

    /// <summary>The command line (or [name] for a process without one).</summary>
    public required string Command { get; init; }
}
