using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Loads images from an archive or an OCI layout directory into the local store (docker load).</para>
/// <para type="description">Reads docker archives (docker save, podman save, skopeo's docker-archive), OCI archives and
/// OCI layout directories (skopeo's and podman's oci-archive and oci), gzip- or zstd-compressed archives too. Every blob
/// is checked against its digest and every layer against its DiffID; the layers are unpacked, and the images are named
/// as the archive names them (docker's RepoTags, or an OCI layout's image name annotations). An image without a name
/// is stored as a dangling image. From a multi-platform layout, the platform of this machine (or -Platform) is loaded.</para>
/// </summary>
/// <example><code>Import-ContainerImage images.tar</code></example>
/// <example><code>Get-ChildItem *.tar | Import-ContainerImage -Quiet</code></example>
[Cmdlet(VerbsData.Import, "ContainerImage", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerImage))]
public sealed class ImportContainerImageCommand : ContainerCmdletBase
{
    /// <summary>Archive files or layout directories; wildcards are resolved by the file system provider.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("FullName", "PSPath", "Input")]
    public string[] Path { get; set; } = [];

    /// <summary>The platform to load from a multi-platform layout, as os/arch[/variant]. Default: this machine's.</summary>
    [Parameter]
    public string? Platform { get; set; }

    /// <summary>Writes no "Loaded image" lines.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string pattern in Path)
        {
            IEnumerable<string> paths;
            try
            {
                paths = SessionState.Path.GetResolvedProviderPathFromPSPath(pattern, out _);
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(e, "ImageArchiveNotFound", ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            foreach (string path in paths)
            {
                Import(path);
            }
        }
    }

    private void Import(string path)
    {
        if (!ShouldProcess(path, "Import images"))
        {
            return;
        }
        try
        {
            var platform = Platform is null ? null : Runtime.Reference.Platform.Parse(Platform);
            var images = Run(new PipelinePump(), () => Engine.Images.ImportAsync(path, platform, CancellationToken));
            foreach (var image in images)
            {
                if (!Quiet)
                {
                    ImagePull.Status(this, image.Dangling ? $"Loaded image ID: {image.Id}" : $"Loaded image: {image}");
                }
                WriteObject(image);
            }
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            WriteEngineError(e, path);
        }
    }
}
