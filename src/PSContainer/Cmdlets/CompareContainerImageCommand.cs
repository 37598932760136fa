using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Layers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Shows which files differ between two images, and which layer of each made the difference.</para>
/// <para type="description">Computes each image's files from its layers' tars as they are stored (whiteouts and
/// opaque directories applied, nothing unpacked; layers the images share are read once) and compares them path by
/// path: A for a path only the difference image has, D for one only the reference image has, C for one both have
/// with different content or attributes — Properties says which: Type, Content (sha256 of the data), Size, Mode,
/// Owner, LinkTarget, Device, Xattrs, Modified. ReferenceLayer and DifferenceLayer give the index of the layer that
/// last set the path in each image. -Property and -ExcludeProperty choose what counts as a difference (for example,
/// -ExcludeProperty Modified for two builds of the same content).</para>
/// </summary>
/// <example><code>Compare-ContainerImage myapp:1.0 myapp:1.1</code></example>
/// <example><code>Compare-ContainerImage alpine:3.19 alpine:3.20 -ExcludeProperty Modified -Path /etc/*</code></example>
/// <example><code>Get-ContainerImage myapp:1.1 | Compare-ContainerImage myapp:1.0 | Group-Object DifferenceLayer</code></example>
[Cmdlet(VerbsData.Compare, "ContainerImage")]
[OutputType(typeof(ImageFileDifference))]
public sealed class CompareContainerImageCommand : ContainerCmdletBase
{
    private const string Properties = "Type,Content,Size,Mode,Owner,LinkTarget,Device,Xattrs,Modified";

    /// <summary>The image to compare against (name, id or image object).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public ImageIdentity ReferenceImage { get; set; } = null!;

    /// <summary>The image whose differences are shown (name, id or image object; from the pipeline too).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public ImageIdentity DifferenceImage { get; set; } = null!;

    /// <summary>The attributes that count as a difference (all by default).</summary>
    [Parameter]
    [ValidateSet("Type", "Content", "Size", "Mode", "Owner", "LinkTarget", "Device", "Xattrs", "Modified")]
    public string[]? Property { get; set; }

    /// <summary>Attributes that do not count as a difference.</summary>
    [Parameter]
    [ValidateSet("Type", "Content", "Size", "Mode", "Owner", "LinkTarget", "Device", "Xattrs", "Modified")]
    public string[]? ExcludeProperty { get; set; }

    /// <summary>Only the differences whose path matches one of these patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var reference = Resolve(ReferenceImage);
            var difference = Resolve(DifferenceImage);
            var properties = (Property ?? Properties.Split(',')).Except(ExcludeProperty ?? [], StringComparer.OrdinalIgnoreCase).ToList();
            var patterns = Path?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
            PipelineStream.Write(this, token => Engine.Rootfs.Compare(reference, difference, properties, token)
                    .Where(d => patterns is null || patterns.Any(p => p.IsMatch(d.Path))),
                d => WriteObject(d), CancellationToken);
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            WriteEngineError(e, DifferenceImage.Name);
        }
    }

    private ContainerImage Resolve(ImageIdentity identity) => identity.Image ?? Engine.Images.Find(identity.Name)
        ?? throw ContainerRuntimeException.NotFound("ImageNotFound", $"No such image: {identity.Name}", identity.Name);
}
