namespace PSContainer.Runtime.Containers;

/// <summary>
/// Where a container is in its life (docker's states). The moves between them are in
/// <see cref="ContainerTransitions"/>; "Running" and "Paused" are never stored, they are found again from /proc
/// (and the freezer) each time the state is read (<see cref="ContainerState"/>).
/// </summary>
public enum ContainerStatus
{
    /// <summary>Created and never started (New-Container).</summary>
    Created,

    /// <summary>Its init process is alive.</summary>
    Running,

    /// <summary>Running, but frozen (Suspend-Container).</summary>
    Paused,

    /// <summary>Ran and ended (or could not start); it can be started again.</summary>
    Exited,

    /// <summary>Being deleted: its directory has been renamed to removing-&lt;id&gt; and is going.</summary>
    Removing,
}
