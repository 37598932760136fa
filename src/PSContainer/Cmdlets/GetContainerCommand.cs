using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists containers (docker ps).</para>
/// <para type="description">Without parameters, lists the running (and paused) containers, newest first; -All lists
/// every container, and -Status the ones in the given states. -Name takes names, ids or id prefixes: an exact name
/// finds that container whatever its state, a wildcard pattern lists the matching ones among those -All and -Status
/// select. -Image keeps the containers of an image (as named, or by id; wildcards allowed), -Label those with every
/// given label (key=value, or key alone for any value). Containers that another PowerShell started, detached, are
/// listed too: the state lives on disk and in /proc, not in this session.</para>
/// </summary>
/// <example><code>Get-Container</code></example>
/// <example><code>Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container</code></example>
/// <example><code>Get-Container -Status Exited -Label tier=backend</code></example>
/// <example><code>Get-Container web | Format-List</code></example>
[Cmdlet(VerbsCommon.Get, "Container")]
[OutputType(typeof(Container))]
public sealed class GetContainerCommand : ContainerCmdletBase
{
    /// <summary>Names, ids or unique id prefixes; wildcards match names and ids.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Every container, not only the running ones.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>Only containers in these states (implies -All for the others).</summary>
    [Parameter]
    public ContainerStatus[]? Status { get; set; }

    /// <summary>Only containers of these images: the image as it was named, or its id; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Image { get; set; }

    /// <summary>Only containers with all of these labels: key=value, or key for any value.</summary>
    [Parameter]
    public string[]? Label { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<Container> containers;
        try
        {
            containers = Engine.Containers.List();
        }
        catch (Exception e)
        {
            ThrowEngineError(e);
            return;
        }
        if (Name is null || Name.Length == 0)
        {
            WriteObject(containers.Where(c => IsListed(c) && Filtered(c)), enumerateCollection: true);
            return;
        }
        var written = new HashSet<string>();
        foreach (string name in Name)
        {
            IEnumerable<Container> matches;
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                matches = containers.Where(c => IsListed(c) && (pattern.IsMatch(c.Name) || pattern.IsMatch(c.Id) || pattern.IsMatch(c.ShortId)));
            }
            else
            {
                matches = FindExact(name) is { } found ? [found] : [];
            }
            foreach (var container in matches.Where(c => Filtered(c) && written.Add(c.Id)))
            {
                WriteObject(container);
            }
        }
    }

    /// <summary>Running and paused ones unless -All or -Status; -Status applies in any case (in <see cref="Filtered"/>).</summary>
    private bool IsListed(Container container) =>
        All || Status is { Length: > 0 } || container.Status is ContainerStatus.Running or ContainerStatus.Paused;

    private bool Filtered(Container container) =>
        (Status is not { Length: > 0 } || Status.Contains(container.Status)) && MatchesImage(container) && MatchesLabels(container);

    private bool MatchesImage(Container container)
    {
        if (Image is not { Length: > 0 })
        {
            return true;
        }
        string hex = container.ImageId[(container.ImageId.IndexOf(':') + 1)..];
        return Image.Any(i =>
            new WildcardPattern(i, WildcardOptions.IgnoreCase).IsMatch(container.Image) || container.ImageId == i ||
            (i.Length >= 3 && hex.StartsWith(i, StringComparison.OrdinalIgnoreCase)));
    }

    private bool MatchesLabels(Container container) => Label is not { Length: > 0 } || Label.All(l =>
    {
        int eq = l.IndexOf('=');
        return eq < 0
            ? container.Labels.ContainsKey(l)
            : container.Labels.TryGetValue(l[..eq], out string? value) && value == l[(eq + 1)..];
    });

    private Container? FindExact(string name)
    {
        try
        {
            var found = Engine.Containers.Find(name);
            if (found is null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"no such container: {name}"), "ContainerNotFound", ErrorCategory.ObjectNotFound, name));
            }
            return found;
        }
        catch (Exception e)
        {
            WriteEngineError(e, name);
            return null;
        }
    }
}
