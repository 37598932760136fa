using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime;

namespace PSContainer.Commands.Completers;

/// <summary>Completes container names from the local store (never from anywhere else), in docker ps order.</summary>
public class ContainerNameCompleter : IArgumentCompleter
{
    /// <summary>Whether a container is one to offer (all of them here).</summary>
    protected virtual bool Offers(Runtime.Containers.Container container) => true;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
        IEnumerable<Runtime.Containers.Container> containers;
        try
        {
            containers = ContainerEngine.ForRoot().Containers.ListWithoutCollecting();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var container in containers.Where(c => Offers(c) && pattern.IsMatch(c.Name)))
        {
            yield return new CompletionResult(container.Name, container.Name, CompletionResultType.ParameterValue,
                $"{container.Name} ({container.Status}, {container.Image})");
        }
    }
}
