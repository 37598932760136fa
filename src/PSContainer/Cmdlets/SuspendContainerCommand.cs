using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Pauses every process of running containers (docker pause).</para>
/// <para type="description">Freezes the container's cgroup: its processes stop being scheduled, keeping their
/// memory and state, until Resume-Container thaws them. Uses the cgroup v1 freezer where it is mounted, else
/// cgroup v2's cgroup.freeze.</para>
/// </summary>
/// <example><code>Suspend-Container web</code></example>
/// <example><code>Get-Container web* | Suspend-Container -PassThru</code></example>
[Cmdlet(VerbsLifecycle.Suspend, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Container))]
public sealed class SuspendContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Writes each container after it is paused.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, "Pause"))
        {
            return;
        }

        Engine.Cgroups.Pause(container);
        if (PassThru)
        {
            WriteObject(Engine.Containers.Find(container.Id) ?? container);
        }
    });
}
