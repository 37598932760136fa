using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Pulls images from a registry into the local store (docker pull).</para>
/// <para type="description">Resolves each name (hello-world means docker.io/library/hello-world:latest), downloads
/// the manifest, config and layers with their digests verified, unpacks the layers, and returns the image.</para>
/// </summary>
/// <example><code>Invoke-ContainerImagePull alpine:3.20, busybox</code></example>
/// <example><code>'alpine:3.20', 'busybox' | Invoke-ContainerImagePull -Platform linux/arm64 -Quiet</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "ContainerImagePull", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerImage))]
public sealed class InvokeContainerImagePullCommand : ContainerCmdletBase
{
    /// <summary>The images to pull: name[:tag] or name@digest.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Image", "Reference")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The platform to pull from a multi-platform image, as os/arch[/variant]. Default: this machine's.</summary>
    [Parameter]
    public string? Platform { get; set; }

    /// <summary>Writes no status lines and no progress.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            try
            {
                var reference = ImageReference.Parse(name);
                if (!ShouldProcess(reference.ToString(), "Pull"))
                {
                    continue;
                }
                var platform = Platform is null ? null : Runtime.Reference.Platform.Parse(Platform);
                WriteObject(ImagePull.Pull(this, Engine, reference, platform, Quiet, CancellationToken));
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
