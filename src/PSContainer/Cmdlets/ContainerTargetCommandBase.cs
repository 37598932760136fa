using System.Management.Automation;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// The base of the cmdlets that act on existing containers: they are named by -Name (names, ids or unique id
/// prefixes, with wildcards) or given as Container objects from the pipeline (-InputObject), so
/// <c>Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container</c> works.
/// </summary>
public abstract class ContainerTargetCommandBase : ContainerCmdletBase
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Container names or ids (a unique prefix of an id will do); wildcards match names and ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[] Name { get; set; } = [];

    /// <summary>Containers, as Get-Container, New-Container and Start-Container return them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Container[] InputObject { get; set; } = [];

    /// <summary>
    /// The containers this record names, each as it is now (a piped object may be older than its container's state).
    /// A name without wildcards that matches nothing is a non-terminating ContainerNotFound error; a pattern that
    /// matches nothing is no error, as elsewhere in PowerShell.
    /// </summary>
    protected IEnumerable<Container> Targets()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var container in InputObject)
            {
                yield return Engine.Containers.Find(container.Id) ?? container;
            }
            yield break;
        }
        IReadOnlyList<Container>? all = null;
        foreach (string name in Name)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                all ??= Engine.Containers.ListWithoutCollecting();
                foreach (var container in all.Where(c => c.Status != ContainerStatus.Removing &&
                    (pattern.IsMatch(c.Name) || pattern.IsMatch(c.Id) || pattern.IsMatch(c.ShortId))))
                {
                    yield return container;
                }
                continue;
            }
            Container? found = null;
            try
            {
                found = Engine.Containers.Find(name);
                if (found is null)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"no such container: {name}"), "ContainerNotFound", ErrorCategory.ObjectNotFound, name));
                }
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteEngineError(e, name);
            }
            if (found is not null)
            {
                yield return found;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> for one container, turning an engine failure into a non-terminating error.</summary>
    protected void ForEach(Action<Container> action)
    {
        foreach (var container in Targets())
        {
            try
            {
                action(container);
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, container.Name);
            }
        }
    }

    /// <summary>Engine work for one container off the pipeline thread (PipelinePump), cancelled by Ctrl+C.</summary>
    protected T RunFor<T>(Func<CancellationToken, Task<T>> work) => Run(new Progress.PipelinePump(), () => work(CancellationToken));
}
