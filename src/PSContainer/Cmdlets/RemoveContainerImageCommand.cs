using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes images from the local store (docker rmi).</para>
/// <para type="description">Like docker rmi: a name of an image that has other names only loses that name (untag); the
/// last name, an image id or a digest deletes the image. An image named in several repositories is deleted by id only
/// with -Force. An image that a container was created from is refused unless -Force; forced while such a container
/// runs, the image only loses its names. Afterwards every blob and unpacked layer that no image and no container needs
/// any more is deleted. Names may use wildcards. -PassThru writes what was untagged and deleted.</para>
/// </summary>
/// <example><code>Remove-ContainerImage busybox:latest</code></example>
/// <example><code>Get-ContainerImage -Dangling | Remove-ContainerImage -PassThru</code></example>
/// <example><code>Remove-ContainerImage 3f57d9401f8d -Force</code></example>
[Cmdlet(VerbsCommon.Remove, "ContainerImage", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(ImageRemoval))]
public sealed class RemoveContainerImageCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";
    private bool _removed;

    /// <summary>Image names, ids or digests; wildcards match names and ids in the store.</summary>
    /// <remarks>
    /// Not bound by property name: PowerShell would then bind a piped image's Name (empty for a dangling image) here
    /// instead of the image itself to InputObject.
    /// </remarks>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("Image", "Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Images from Get-ContainerImage: each is removed by its name (untag or delete), a dangling one by its id.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public ContainerImage[] InputObject { get; set; } = [];

    /// <summary>Removes images that containers use, and images named in several repositories.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes an object per removal: the names untagged and whether the image was deleted.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == InputObjectSet
            ? InputObject.Select(i => i.Dangling ? i.Id : i.Name)
            : Name.SelectMany(Expand);
        foreach (string target in targets.Distinct().ToList())
        {
            if (!ShouldProcess(target, "Remove image"))
            {
                continue;
            }
            try
            {
                var removal = Run(new PipelinePump(), () => Engine.Images.RemoveAsync(target, Force, CancellationToken));
                _removed = true;
                foreach (string name in removal.Untagged)
                {
                    WriteVerbose("Untagged: " + name);
                }
                if (removal.Deleted)
                {
                    WriteVerbose("Deleted: " + removal.Id);
                }
                if (PassThru)
                {
                    WriteObject(removal);
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, target);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (!_removed)
        {
            return;
        }
        try
        {
            var freed = Run(new PipelinePump(), () => Engine.Images.CollectGarbageAsync(CancellationToken));
            WriteVerbose($"Freed {freed.Blobs} blob(s) and {freed.Snapshots} unpacked layer(s): {freed.ReclaimedBytes} bytes");
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            WriteEngineError(e);
        }
    }

    /// <summary>A wildcard becomes the names (or, for dangling images, ids) it matches; anything else is itself.</summary>
    private IEnumerable<string> Expand(string name)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(name))
        {
            return [name];
        }
        var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
        return Engine.Images.List().Where(i => GetContainerImageCommand.Matches(i, pattern)).Select(i => i.Dangling ? i.Id : i.Name).ToList();
    }
}
