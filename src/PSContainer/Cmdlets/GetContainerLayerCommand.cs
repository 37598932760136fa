using System.Management.Automation;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the layers of images, bottom layer first.</para>
/// <para type="description">For each layer: its position, digest and size as stored, its DiffID and ChainID, its
/// unpacked size, media type, and the build step (created_by) from the image's history.</para>
/// </summary>
/// <example><code>Get-ContainerImage hello-world | Get-ContainerLayer</code></example>
/// <example><code>Get-ContainerLayer -Name busybox | Measure-Object Size -Sum</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerLayer", DefaultParameterSetName = ImageSet)]
[OutputType(typeof(ContainerLayer))]
public sealed class GetContainerLayerCommand : ContainerCmdletBase
{
    private const string ImageSet = "Image";
    private const string NameSet = "Name";

    /// <summary>Images from Get-ContainerImage or Invoke-ContainerImagePull.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ImageSet)]
    public ContainerImage[] Image { get; set; } = [];

    /// <summary>Image names or ids in the local store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        var images = ParameterSetName == ImageSet ? Image : Name.Select(Find).OfType<ContainerImage>().ToArray();
        foreach (var image in images)
        {
            try
            {
                WriteObject(Engine.Images.Layers(image), enumerateCollection: true);
            }
            catch (Exception e)
            {
                WriteEngineError(e, image);
            }
        }
    }

    private ContainerImage? Find(string name)
    {
        try
        {
            var image = Engine.Images.Find(name);
            if (image is null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No such image: {name}"), "ImageNotFound", ErrorCategory.ObjectNotFound, name));
            }
            return image;
        }
        catch (Exception e)
        {
            WriteEngineError(e, name);
            return null;
        }
    }
}
