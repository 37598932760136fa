using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Completers;

/// <summary>Completes the names of running (or paused) containers, for the cmdlets that need one running.</summary>
public sealed class RunningContainerNameCompleter : ContainerNameCompleter
{
    protected override bool Offers(Container container) => container.Status is ContainerStatus.Running or ContainerStatus.Paused;
}
