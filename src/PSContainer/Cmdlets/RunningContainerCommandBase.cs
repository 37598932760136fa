using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// The base of the cmdlets that act on running containers named by -Name (names, ids, id prefixes or wildcard
/// patterns; from the pipeline as strings or by property name) or given as Container objects (-InputObject).
/// </summary>
public abstract class RunningContainerCommandBase : ContainerCmdletBase
{
    protected const string ByName = "ByName";
    protected const string ByObject = "ByObject";

    /// <summary>Container names, ids, id prefixes or wildcard patterns.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RunningContainerNameCompleter))]
    [Alias("Id")]
    public string[] Name { get; set; } = [];

    /// <summary>Containers, as Get-Container or Start-Container -PassThru return them.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByObject, ValueFromPipeline = true)]
    public Container[] InputObject { get; set; } = [];

    /// <summary>
    /// The containers this record names, each with its current state. A name that matches nothing is a
    /// non-terminating ContainerNotFound error; a pattern that matches nothing is silently empty.
    /// </summary>
    protected IEnumerable<Container> Targets()
    {
        if (ParameterSetName == ByObject)
        {
            foreach (Container container in InputObject)
            {
                yield return Engine.Containers.Find(container.Id) ?? container;
            }

            yield break;
        }

        foreach (string name in Name)
        {
            List<Container> matches = [];
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WildcardPattern pattern = new(name, WildcardOptions.IgnoreCase);
                    matches.AddRange(Engine.Containers.List().Where(c => pattern.IsMatch(c.Name) || pattern.IsMatch(c.Id)));
                }
                else if (Engine.Containers.Find(name) is { } container)
                {
                    matches.Add(container);
                }
                else
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No such container: {name}"), "ContainerNotFound", ErrorCategory.ObjectNotFound, name));
                }
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteEngineError(e, name);
            }

            foreach (Container match in matches)
            {
                yield return match;
            }
        }
    }
}
