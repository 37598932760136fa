namespace PSContainer.Runtime.Containers;

/// <summary>A container as users see it (docker ps / podman ps): identity, image, command and state.</summary>
public sealed record Container
{
    public required string Id { get; init; }

    public string ShortId => Id[..12];

    public required string Name { get; init; }

    /// <summary>The image as it was named when the container was created.</summary>
    public required string Image { get; init; }

    public required string ImageId { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required ContainerStatus Status { get; init; }

    /// <summary>
    /// The exit code of its last run: its own, 128+n when killed by signal n, 125–127 when it could not start. 0 while
    /// it has not exited (docker's State.ExitCode), so <c>Where-Object ExitCode -ne 0</c> selects the failed ones.
    /// </summary>
    public required int ExitCode { get; init; }

    /// <summary>True when the kernel's OOM killer killed a process of the container because it hit its memory limit.</summary>
    public bool OOMKilled { get; init; }

    /// <summary>Why the container could not start, when it could not.</summary>
    public required string? Error { get; init; }

    /// <summary>The host pid of the container's init process while it runs.</summary>
    public required int? Pid { get; init; }

    public required DateTimeOffset? StartedAt { get; init; }

    public required DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The container's directory in the store (its bundle, upper layer, log and shim files).</summary>
    public required string Directory { get; init; }

    /// <summary>Labels given at creation (Start-Container -Label).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Removed once it has exited (Start-Container -Remove, docker's --rm).</summary>
    public bool AutoRemove { get; init; }

    /// <summary>The signal Stop-Container sends first: the image's StopSignal, or SIGTERM.</summary>
    public string StopSignal { get; init; } = "SIGTERM";

    /// <summary>The container's own mounts: bind mounts, volumes (named or anonymous) and tmpfs, as docker inspect lists them.</summary>
    public IReadOnlyList<ContainerMount> Mounts { get; init; } = [];

    /// <summary>The pid of its monitor (psc-shim stage 1) while it runs.</summary>
    public int? MonitorPid { get; init; }

    public override string ToString() => Name;
}
