using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the files a container added, changed or deleted against its image (docker diff).</para>
/// <para type="description">Reads the container's own layer (its overlay upper directory, or its full copy with the
/// copy driver) and compares it with the image: A for a path the image does not have, C for one it has (a directory
/// counts as changed when something inside it changed), D for one the container deleted. The runtime's mount
/// points (/proc, /dev, /sys and the container's mounts) are not the container's doing and are left out. Works on
/// running and stopped containers; nothing is mounted.</para>
/// </summary>
/// <example><code>Get-ContainerChange web</code></example>
/// <example><code>Get-ContainerChange web | Where-Object Change -eq Deleted</code></example>
/// <example><code>Get-ContainerChange -Name build-* | Group-Object Container</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerChange", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ContainerChange))]
public sealed class GetContainerChangeCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string ContainerSet = "Container";

    /// <summary>Container names or ids (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Containers from Start-Container -PassThru or Get-Container.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ContainerSet)]
    public Container[] Container { get; set; } = [];

    protected override void ProcessRecord()
    {
        var containers = ParameterSetName == ContainerSet ? Container : Name.SelectMany(FindContainers).ToArray();
        foreach (var container in containers)
        {
            try
            {
                var changes = Run(new PipelinePump(), () => Task.Run(() => Engine.Rootfs.Changes(container), CancellationToken));
                WriteObject(changes, enumerateCollection: true);
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, container.Name);
            }
        }
    }

    private IEnumerable<Container> FindContainers(string name)
    {
        try
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                return Engine.Containers.List().Where(c => pattern.IsMatch(c.Name) || pattern.IsMatch(c.Id)).ToList();
            }
            var container = Engine.Containers.Find(name);
            if (container is null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No such container: {name}"), "ContainerNotFound", ErrorCategory.ObjectNotFound, name));
                return [];
            }
            return [container];
        }
        catch (Exception e)
        {
            WriteEngineError(e, name);
            return [];
        }
    }
}
