namespace PSContainer.Runtime.Process;

/// <summary>How psc-shim runs a container: attached to the caller, or detached from it (docker run -d).</summary>
public sealed record LaunchOptions
{
    public static readonly LaunchOptions Attached = new();

    /// <summary>
    /// The shim lets go of the caller once the container runs: its stdin is /dev/null, its output goes only to the
    /// log, and <see cref="ContainerLauncher.StartAsync"/> returns with the shim's pipes already closed.
    /// </summary>
    public bool Detach { get; init; }

    /// <summary>With <see cref="Detach"/>: the shim deletes the container's directory once it has ended (docker run --rm -d).</summary>
    public bool AutoRemove { get; init; }
}
