namespace PSContainer.Runtime.Containers;

/// <summary>Where a container is in its life (docker's states, as far as PSContainer has them).</summary>
public enum ContainerStatus
{
    Created,
    Running,
    Exited,
}
