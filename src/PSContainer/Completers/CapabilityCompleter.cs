using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime.Linux;

namespace PSContainer.Commands.Completers;

/// <summary>Completes capability names (NET_ADMIN, …, and ALL) for -AddCapability and -DropCapability.</summary>
public sealed class CapabilityCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (string name in Capabilities.Names.Select(n => n["CAP_".Length..]).Prepend("ALL"))
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || ("CAP_" + name).StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
            }
        }
    }
}
