using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Gives an image in the local store another name (docker tag).</para>
/// <para type="description">Each -Tag is a reference like any image name: app means docker.io/library/app:latest,
/// localhost:5000/app:v1 names a repository on another registry (to push it there with Publish-ContainerImage). A name
/// that pointed at another image moves to this one; that image stays as a dangling image when it has no other name.</para>
/// </summary>
/// <example><code>Add-ContainerImageTag busybox localhost:5000/tools/busybox:1.36</code></example>
/// <example><code>Get-ContainerImage hello-world | Add-ContainerImageTag -Tag hello:v1, hello:stable -PassThru</code></example>
[Cmdlet(VerbsCommon.Add, "ContainerImageTag", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(ContainerImage))]
public sealed class AddContainerImageTagCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The image to name: a name, id or digest in the local store.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Image", "Source")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The image to name, from Get-ContainerImage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public ContainerImage? InputObject { get; set; }

    /// <summary>The new names: name[:tag] (the tag defaults to latest).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [Alias("Target")]
    public string[] Tag { get; set; } = [];

    /// <summary>Writes the image under each new name.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ContainerImage? image = InputObject;
        if (image is null)
        {
            try
            {
                image = Engine.Images.Find(Name) ?? throw ContainerRuntimeException.NotFound("ImageNotFound", $"No such image: {Name}", Name);
            }
            catch (Exception e)
            {
                WriteEngineError(e, Name);
                return;
            }
        }
        foreach (string tag in Tag)
        {
            if (!ShouldProcess(tag, $"Name image {image.ShortId}"))
            {
                continue;
            }
            try
            {
                var tagged = Run(new PipelinePump(), () => Engine.Images.TagAsync(image, tag, CancellationToken));
                if (PassThru)
                {
                    WriteObject(tagged);
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, tag);
            }
        }
    }
}
