using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes containers (docker rm).</para>
/// <para type="description">Deletes everything a container has in the store: its root filesystem changes, its log,
/// its configuration and state. A running or paused container is refused (ErrorId ContainerIsRunning) unless -Force
/// is given, which kills it first with SIGKILL. When it returns, no process of the container is left — neither its
/// command nor its monitor — and nothing of it is mounted.</para>
/// </summary>
/// <example><code>Remove-Container web</code></example>
/// <example><code>Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container</code></example>
/// <example><code>Get-Container -All -Name test-* | Remove-Container -Force</code></example>
[Cmdlet(VerbsCommon.Remove, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Kills a running container first instead of refusing to remove it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, Force ? "Remove (killing it if it runs)" : "Remove"))
        {
            return;
        }
        RunFor(async token =>
        {
            await Engine.Containers.RemoveAsync(container, Force, token).ConfigureAwait(false);
            return true;
        });
    });
}
