using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Resumes the processes of paused containers (docker unpause).</para>
/// <para type="description">Thaws the container's cgroup, frozen by Suspend-Container: its processes carry on where
/// they stopped. Resuming a container that is not paused does nothing.</para>
/// </summary>
/// <example><code>Resume-Container web</code></example>
/// <example><code>Get-Container | Resume-Container</code></example>
[Cmdlet(VerbsLifecycle.Resume, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Container))]
public sealed class ResumeContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Writes each container after it is resumed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, "Resume"))
        {
            return;
        }

        Engine.Cgroups.Resume(container);
        if (PassThru)
        {
            WriteObject(Engine.Containers.Find(container.Id) ?? container);
        }
    });
}
