using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the processes running in containers (docker top).</para>
/// <para type="description">Every process in the container's cgroup: its pid on the host and inside the container,
/// its parent, user (named from the container's own /etc/passwd), state, start time, CPU time and command line.</para>
/// </summary>
/// <example><code>Get-ContainerProcess web</code></example>
/// <example><code>Get-Container | Get-ContainerProcess | Where-Object User -ne root</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerProcess", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ContainerProcess))]
public sealed class GetContainerProcessCommand : ContainerTargetCommandBase
{
    protected override void ProcessRecord() =>
        ForEach(container => WriteObject(Engine.Cgroups.Processes(container), enumerateCollection: true));
}
