using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Creates a container without starting it (docker create).</para>
/// <para type="description">Takes the same parameters as Start-Container with an image: finds or pulls the image,
/// prepares the container's root filesystem, configuration and name, and returns the container, in state Created.
/// Start it with Start-Container -Name, or by piping it to Start-Container. Put -- before a command whose options
/// could be taken for this cmdlet's parameters; because the command may contain -c, this cmdlet has no -Confirm or
/// -WhatIf.</para>
/// </summary>
/// <example><code>New-Container busybox -Name job sh -c 'date; exit 3'</code></example>
/// <example><code>New-Container busybox -Name job -- ls -l / | Start-Container -Attach</code></example>
[Cmdlet(VerbsCommon.New, "Container", DefaultParameterSetName = RunSet)]
[OutputType(typeof(Container))]
public sealed class NewContainerCommand : ContainerRunCommandBase
{
    protected override void EndProcessing()
    {
        try
        {
            var options = Options();
            var image = FindOrPull();
            WriteObject(Run(new PipelinePump(), () => Engine.Containers.CreateAsync(image, Image, options, CancellationToken)));
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            ThrowEngineError(e, Image);
        }
    }
}
