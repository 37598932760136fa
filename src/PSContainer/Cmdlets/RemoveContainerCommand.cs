using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes containers (docker rm).</para>
/// <para type="description">Deletes everything a container has in the store: its root filesystem changes, its log,
/// its configuration and state. A running or paused container is refused (ErrorId ContainerIsRunning) unless -Force
/// is given, which kills it first with SIGKILL. When it returns, no process of the container is left — neither its
/// command nor its monitor — and nothing of it is mounted.</para>
/// <para type="description">Volumes outlive their containers unless -Volumes is given (docker rm -v): then the
/// container's anonymous volumes, those -Volume /path made for it, are deleted with it. Named volumes and bind-mounted
/// host directories are always kept, and so is an anonymous volume that another container still uses.</para>
/// </summary>
/// <example><code>Remove-Container web</code></example>
/// <example><code>Remove-Container build -Volumes</code></example>
/// <example><code>Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container</code></example>
/// <example><code>Get-Container -All -Name test-* | Remove-Container -Force</code></example>
[Cmdlet(VerbsCommon.Remove, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Kills a running container first instead of refusing to remove it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also deletes the container's anonymous volumes (docker rm -v); named volumes, bind mounts and volumes another container uses are kept.</summary>
    [Parameter]
    public SwitchParameter Volumes { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        string action = (Force ? "Remove (killing it if it runs)" : "Remove") + (Volumes ? " with its anonymous volumes" : "");
        if (!ShouldProcess(container.Name, action))
        {
            return;
        }
        RunFor(async token =>
        {
            await Engine.Containers.RemoveAsync(container, Force, Volumes, token).ConfigureAwait(false);
            return true;
        });
    });
}
