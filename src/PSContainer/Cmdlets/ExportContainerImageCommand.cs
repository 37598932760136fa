using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Images.Archives;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Saves images from the local store to an archive or an OCI layout directory (docker save).</para>
/// <para type="description">All the images given go into one archive. -Format DockerArchive (the default) writes what
/// docker save and podman save write: manifest.json, the config and uncompressed layers. OciArchive writes a tar of an
/// OCI image layout with the blobs as stored (digests are kept); OciDirectory writes the layout as a directory. skopeo,
/// podman and docker read all three, and Import-ContainerImage reads them back. An image exported by name carries that
/// name; one exported by id carries none. The archive appears only when it is complete.</para>
/// </summary>
/// <example><code>Export-ContainerImage busybox, alpine:3.20 -Path images.tar</code></example>
/// <example><code>Get-ContainerImage app* | Export-ContainerImage -Path app.oci.tar -Format OciArchive</code></example>
/// <example><code>Export-ContainerImage busybox -Path ./layout -Format OciDirectory; skopeo inspect oci:./layout:latest</code></example>
[Cmdlet(VerbsData.Export, "ContainerImage", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(FileInfo), typeof(DirectoryInfo))]
public sealed class ExportContainerImageCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";
    private readonly List<(ContainerImage Image, IReadOnlyList<string> Names)> _images = [];

    /// <summary>Image names, ids or digests in the local store.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Image", "Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Images from Get-ContainerImage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public ContainerImage[] InputObject { get; set; } = [];

    /// <summary>The archive file (replaced if it exists) or, for OciDirectory, a directory that does not exist or is empty.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [Alias("Output")]
    public string Path { get; set; } = "";

    /// <summary>DockerArchive (default), OciArchive or OciDirectory.</summary>
    [Parameter]
    public ArchiveFormat Format { get; set; } = ArchiveFormat.DockerArchive;

    /// <summary>Writes the archive file or directory.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var image in InputObject)
            {
                Add(image, image.Dangling ? [] : [image.Name]);
            }
            return;
        }
        foreach (string name in Name)
        {
            try
            {
                var image = Engine.Images.Find(name) ?? throw ContainerRuntimeException.NotFound("ImageNotFound", $"No such image: {name}", name);
                // Named by name: that name goes into the archive; named by id or digest: none (docker save's rule).
                bool byName = !image.Dangling && image.Reference!.Equals(Runtime.Reference.ImageReference.TryParse(name, out var r) ? r : null);
                Add(image, byName ? [image.Name] : []);
            }
            catch (Exception e)
            {
                WriteEngineError(e, name);
            }
        }
    }

    private void Add(ContainerImage image, IReadOnlyList<string> names)
    {
        int index = _images.FindIndex(i => i.Image.Id == image.Id && i.Image.ManifestDigest == image.ManifestDigest);
        if (index < 0)
        {
            _images.Add((image, names));
        }
        else
        {
            _images[index] = (image, _images[index].Names.Concat(names).Distinct().ToList());
        }
    }

    protected override void EndProcessing()
    {
        string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (_images.Count == 0 || !ShouldProcess(path, $"Export {_images.Count} image(s) as {Format}"))
        {
            return;
        }
        try
        {
            Run(new PipelinePump(), async () =>
            {
                await Engine.Images.ExportAsync(_images, path, Format, CancellationToken).ConfigureAwait(false);
                return true;
            });
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            ThrowEngineError(e, path);
        }
        if (PassThru)
        {
            WriteObject(Format == ArchiveFormat.OciDirectory ? new DirectoryInfo(path) : new FileInfo(path));
        }
    }
}
