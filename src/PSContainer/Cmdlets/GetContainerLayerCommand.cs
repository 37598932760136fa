using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Layers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the layers of images, bottom layer first, or the files in them.</para>
/// <para type="description">For each layer: its position, digest and size as stored, its DiffID and ChainID, its
/// unpacked size, media type, and the build step (created_by) from the image's history.</para>
/// <para type="description">With -Content, lists what each layer's tar holds instead, read from the stored blob as
/// it streams (nothing is unpacked): path, type, size, mode, owner, link target, and whether the entry is a whiteout
/// (a deletion of a lower layer's path) or an opaque marker (a directory whose lower content is hidden). -Path
/// keeps the entries whose path matches one of its wildcard patterns; -Index keeps the layers at those positions.</para>
/// </summary>
/// <example><code>Get-ContainerImage hello-world | Get-ContainerLayer</code></example>
/// <example><code>Get-ContainerLayer -Name busybox | Measure-Object Size -Sum</code></example>
/// <example><code>Get-ContainerLayer -Name busybox -Content -Path /bin/s*</code></example>
/// <example><code>Get-ContainerImage myapp | Get-ContainerLayer | Select-Object -Last 1 | Get-ContainerLayer -Content | Where-Object IsWhiteout</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerLayer", DefaultParameterSetName = ImageSet)]
[OutputType(typeof(ContainerLayer), typeof(LayerEntry))]
public sealed class GetContainerLayerCommand : ContainerCmdletBase
{
    private const string ImageSet = "Image";
    private const string NameSet = "Name";
    private const string LayerSet = "Layer";

    /// <summary>Images from Get-ContainerImage or Invoke-ContainerImagePull.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ImageSet)]
    public ContainerImage[] Image { get; set; } = [];

    /// <summary>Image names, ids or wildcard patterns, in the local store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Layers from Get-ContainerLayer, to list the files of (with -Content).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = LayerSet)]
    public ContainerLayer[] Layer { get; set; } = [];

    /// <summary>Lists the entries of each layer's tar instead of the layers.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(Mandatory = true, ParameterSetName = LayerSet)]
    public SwitchParameter Content { get; set; }

    /// <summary>Only the layers at these positions (0 is the bottom layer).</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = NameSet)]
    public int[]? Index { get; set; }

    /// <summary>With -Content, only the entries whose path matches one of these patterns (/etc/*, */bin/sh).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        var layers = new List<ContainerLayer>();
        if (ParameterSetName == LayerSet)
        {
            layers.AddRange(Layer);
        }
        else
        {
            var images = ParameterSetName == ImageSet ? Image : Name.SelectMany(FindImages).ToArray();
            foreach (var image in images)
            {
                try
                {
                    layers.AddRange(Engine.Images.Layers(image).Where(l => Index is null || Index.Contains(l.Index)));
                }
                catch (Exception e)
                {
                    WriteEngineError(e, image);
                }
            }
        }
        if (!Content)
        {
            WriteObject(layers, enumerateCollection: true);
            return;
        }
        var patterns = Path?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (var layer in layers)
        {
            try
            {
                PipelineStream.Write(this, token => Engine.Rootfs.LayerContent(layer, cancellationToken: token)
                        .Where(e => patterns is null || patterns.Any(p => p.IsMatch(e.Path))),
                    entry => WriteObject(entry), CancellationToken);
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, layer);
            }
        }
    }

    private IEnumerable<ContainerImage> FindImages(string name)
    {
        try
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                return Engine.Images.List().Where(i => GetContainerImageCommand.Matches(i, pattern)).ToList();
            }
            var image = Engine.Images.Find(name);
            if (image is null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No such image: {name}"), "ImageNotFound", ErrorCategory.ObjectNotFound, name));
                return [];
            }
            return [image];
        }
        catch (Exception e)
        {
            WriteEngineError(e, name);
            return [];
        }
    }
}
