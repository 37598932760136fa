using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Completers;

/// <summary>Completes the names of running containers (from the local store) for the cmdlets that need one running.</summary>
public sealed class RunningContainerNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        WildcardPattern pattern = new(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        IReadOnlyList<Container> containers;
        try
        {
            containers = ContainerEngine.ForRoot().Containers.List();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (Container container in containers.Where(c => c.Status is ContainerStatus.Running or ContainerStatus.Paused && pattern.IsMatch(c.Name)).OrderBy(c => c.Name))
        {
            yield return new CompletionResult(container.Name, container.Name, CompletionResultType.ParameterValue, $"{container.Name} ({container.Image})");
        }
    }
}
