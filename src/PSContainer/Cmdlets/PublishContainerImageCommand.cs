using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Pushes images from the local store to a registry (docker push).</para>
/// <para type="description">Pushes each image under its own name, or under -Destination. Every blob is first checked
/// with HEAD and skipped when the repository has it; a blob that a local image pulled from another repository of the
/// same registry is mounted from there (no bytes travel); the rest is uploaded, in one request up to -ChunkSize bytes
/// and in chunks above. The manifest goes last, unchanged, so the image keeps its digest. Credentials come from
/// Connect-ContainerRegistry. Shows a progress bar per layer and docker's status lines unless -Quiet.</para>
/// </summary>
/// <example><code>Add-ContainerImageTag busybox localhost:5000/tools/busybox; Publish-ContainerImage localhost:5000/tools/busybox</code></example>
/// <example><code>Publish-ContainerImage busybox -Destination registry.example.com/mirror/busybox:1.36</code></example>
[Cmdlet(VerbsData.Publish, "ContainerImage", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(ContainerImage))]
public sealed class PublishContainerImageCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";
    private static int _nextActivityId = 500_000;

    /// <summary>Images to push, by name (or id, with -Destination).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Image", "Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Images from Get-ContainerImage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public ContainerImage[] InputObject { get; set; } = [];

    /// <summary>Where to push instead of the image's own name: registry/repository[:tag].</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Blobs larger than this many bytes are uploaded in chunks of this size. Default 32 MiB.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? ChunkSize { get; set; }

    /// <summary>Writes no status lines and no progress.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Writes each pushed image.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var images = ParameterSetName == InputObjectSet ? InputObject.Select(i => (i.Dangling ? i.Id : i.Name, (ContainerImage?)i)) : Name.Select(n => (n, (ContainerImage?)null));
        foreach (var (name, given) in images)
        {
            try
            {
                var image = given ?? Engine.Images.Find(name) ?? throw ContainerRuntimeException.NotFound("ImageNotFound", $"No such image: {name}", name);
                string target = Destination ?? image.Name;
                if (target.Length == 0)
                {
                    throw ContainerRuntimeException.InvalidArgument("PushDestinationRequired", $"image {image.ShortId} has no name: give -Destination", name);
                }
                if (!ShouldProcess(target, "Push"))
                {
                    continue;
                }
                var pump = new PipelinePump();
                var view = new PullProgressView(this, Interlocked.Add(ref _nextActivityId, 1000), push: true);
                var progress = Quiet ? null : view.Reporter(pump);
                var digest = Run(pump, () => Engine.Images.PushAsync(image, target, ChunkSize, progress, CancellationToken));
                if (!Quiet)
                {
                    var reference = Runtime.Reference.ImageReference.Parse(target);
                    ImagePull.Status(this, $"{reference.Tag ?? digest.ToString()}: digest: {digest}");
                }
                if (PassThru)
                {
                    WriteObject(image);
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, name);
            }
        }
    }
}
