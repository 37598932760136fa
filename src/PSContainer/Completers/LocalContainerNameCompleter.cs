using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Completers;

/// <summary>Completes container names (and ids) from the local store.</summary>
public sealed class LocalContainerNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        IReadOnlyList<Container> containers;
        try
        {
            containers = ContainerEngine.ForRoot().Containers.List();
        }
        catch (Exception)
        {
            yield break; // completion never fails loudly
        }
        foreach (var container in containers.Where(c => pattern.IsMatch(c.Name) || pattern.IsMatch(c.Id)).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            yield return new CompletionResult(container.Name, container.Name, CompletionResultType.ParameterValue,
                $"{container.ShortId} {container.Image} ({container.Status})");
        }
    }
}
