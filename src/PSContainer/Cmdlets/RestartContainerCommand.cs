using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Restarts containers (docker restart).</para>
/// <para type="description">Stops each running container as Stop-Container does (its stop signal, up to -Timeout
/// seconds, then SIGKILL) and starts it again detached, with the same configuration, root filesystem changes and
/// log. A container that is not running is simply started. Nothing can come in between the stop and the start:
/// not even the removal of a container created with -Remove.</para>
/// </summary>
/// <example><code>Restart-Container web</code></example>
/// <example><code>Get-Container -Label tier=backend | Restart-Container -Timeout 1 -PassThru</code></example>
[Cmdlet(VerbsLifecycle.Restart, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Container))]
public sealed class RestartContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Seconds to wait after the stop signal before SIGKILL (default 10).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("Time", "t")]
    public int Timeout { get; set; } = 10;

    /// <summary>Writes each container, as it is once running again.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, "Restart"))
        {
            return;
        }
        var restarted = RunFor(token => Engine.Containers.RestartAsync(container, TimeSpan.FromSeconds(Timeout), token));
        if (PassThru)
        {
            WriteObject(restarted);
        }
    });
}
