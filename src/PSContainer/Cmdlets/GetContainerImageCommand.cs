using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the images in the local store (docker images).</para>
/// <para type="description">Without -Name, lists every image, dangling ones included: images whose last name moved to
/// another image and that show as &lt;none&gt; (docker's &lt;none&gt;:&lt;none&gt;). Names may use wildcards and match the short
/// name (hello-world, hello-world:latest), the full name (docker.io/library/hello-world:latest) or the image id.
/// -Digest finds images by the digest the registry serves them under, their manifest digest or their id; -Dangling
/// lists only dangling images.</para>
/// </summary>
/// <example><code>Get-ContainerImage hello*</code></example>
/// <example><code>Get-ContainerImage | Get-ContainerLayer</code></example>
/// <example><code>Get-ContainerImage -Digest sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741</code></example>
/// <example><code>Get-ContainerImage -Dangling | Remove-ContainerImage</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerImage", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ContainerImage))]
public sealed class GetContainerImageCommand : ContainerCmdletBase
{
    private const string NameSet = "Name";
    private const string DigestSet = "Digest";

    /// <summary>Image names, ids or wildcard patterns.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [Alias("Image", "Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Digests to find: the repo digest (what the registry serves), the manifest digest or the image id; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DigestSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Digest { get; set; } = [];

    /// <summary>Lists only dangling images: those no name points to any more.</summary>
    [Parameter]
    public SwitchParameter Dangling { get; set; }

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        IReadOnlyList<ContainerImage> images;
        try
        {
            images = Engine.Images.List().Where(i => !Dangling || i.Dangling).ToList();
        }
        catch (Exception e)
        {
            ThrowEngineError(e);
            return;
        }
        if (ParameterSetName == DigestSet)
        {
            foreach (string digest in Digest)
            {
                var pattern = new WildcardPattern(digest, WildcardOptions.IgnoreCase);
                var matches = images.Where(i => pattern.IsMatch(i.Digest) || pattern.IsMatch(i.ManifestDigest) || pattern.IsMatch(i.Id)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(digest))
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No image with digest {digest}"), "ImageNotFound", ErrorCategory.ObjectNotFound, digest));
                }
                Write(matches);
            }
            return;
        }
        if (Name is null || Name.Length == 0)
        {
            Write(images.OrderBy(i => i.Dangling).ThenBy(i => i.Repository, StringComparer.Ordinal).ThenBy(i => i.Tag, StringComparer.Ordinal));
            return;
        }
        // A dangling image piped in brings an empty Name: it names nothing.
        foreach (string name in Name.Where(n => !string.IsNullOrEmpty(n)))
        {
            var found = WildcardPattern.ContainsWildcardCharacters(name)
                ? images.Where(i => Matches(i, new WildcardPattern(name, WildcardOptions.IgnoreCase))).ToList()
                : FindExact(name);
            // -Dangling filters what the name found; a name that exists but is not dangling is no error (docker images -f).
            var matches = found.Where(i => !Dangling || i.Dangling).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No such image: {name}"), "ImageNotFound", ErrorCategory.ObjectNotFound, name));
            }
            Write(matches);
        }
    }

    /// <summary>Writes each image once per call, even when several names match it.</summary>
    private void Write(IEnumerable<ContainerImage> images)
    {
        foreach (var image in images.Where(i => _written.Add(i.Dangling ? i.Id : i.Name)))
        {
            WriteObject(image);
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

    internal static bool Matches(ContainerImage image, WildcardPattern pattern) =>
        (!image.Dangling && (pattern.IsMatch(image.Repository) || pattern.IsMatch(image.Repository + ":" + image.Tag) || pattern.IsMatch(image.Name)))
        || pattern.IsMatch(image.Id) || pattern.IsMatch(image.ShortId);
}
