using System.Management.Automation;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the images in the local store (docker images).</para>
/// <para type="description">Without -Name, lists every image. Names may use wildcards and match the short name
/// (hello-world, hello-world:latest), the full name (docker.io/library/hello-world:latest) or the image id.</para>
/// </summary>
/// <example><code>Get-ContainerImage hello*</code></example>
/// <example><code>Get-ContainerImage | Get-ContainerLayer</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerImage")]
[OutputType(typeof(ContainerImage))]
public sealed class GetContainerImageCommand : ContainerCmdletBase
{
    /// <summary>Image names, ids or wildcard patterns.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [Alias("Image", "Reference")]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<ContainerImage> images;
        try
        {
            images = Engine.Images.List();
        }
        catch (Exception e)
        {
            ThrowEngineError(e);
            return;
        }
        if (Name is null || Name.Length == 0)
        {
            WriteObject(images.OrderBy(i => i.Repository).ThenBy(i => i.Tag), enumerateCollection: true);
            return;
        }
        var written = new HashSet<string>();
        foreach (string name in Name)
        {
            var matches = WildcardPattern.ContainsWildcardCharacters(name)
                ? images.Where(i => Matches(i, new WildcardPattern(name, WildcardOptions.IgnoreCase))).ToList()
                : FindExact(name);
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No such image: {name}"), "ImageNotFound", ErrorCategory.ObjectNotFound, name));
            }
            foreach (var image in matches.Where(i => written.Add(i.Name)))
            {
                WriteObject(image);
            }
        }
    }

    private List<ContainerImage> FindExact(string name)
    {
        try
        {
            return Engine.Images.Find(name) is { } image ? [image] : [];
        }
        catch (Exception e)
        {
            WriteEngineError(e, name);
            return [];
        }
    }

    private static bool Matches(ContainerImage image, WildcardPattern pattern) =>
        pattern.IsMatch(image.Repository) || pattern.IsMatch(image.Repository + ":" + image.Tag)
        || pattern.IsMatch(image.Name) || pattern.IsMatch(image.Id) || pattern.IsMatch(image.ShortId);
}
