using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Renames a container (docker rename).</para>
/// <para type="description">Gives a container a new name, running or not. Names are unique in the store and
/// follow docker's rule ([a-zA-Z0-9][a-zA-Z0-9_.-]*); a name in use fails with ErrorId ContainerNameInUse. The
/// container's id, hostname and everything else stay as they are.</para>
/// </summary>
/// <example><code>Rename-Container brave_falcon web</code></example>
/// <example><code>Get-Container web | Rename-Container -NewName web-old -PassThru</code></example>
[Cmdlet(VerbsCommon.Rename, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Container))]
public sealed class RenameContainerCommand : ContainerTargetCommandBase
{
    /// <summary>The new name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = "";

    /// <summary>Writes the renamed container.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, $"Rename to {NewName}"))
        {
            return;
        }
        var renamed = RunFor(token => Engine.Containers.RenameAsync(container, NewName, token));
        if (PassThru)
        {
            WriteObject(renamed);
        }
    });
}
