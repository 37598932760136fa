using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime;

namespace PSContainer.Commands.Completers;

/// <summary>
/// Completes image names from the local store only (never a registry): the familiar <c>repository:tag</c> of every
/// named image, then the short ids of dangling images, matched against what was typed so far with wildcards.
/// </summary>
public sealed class ImageNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        IReadOnlyList<Runtime.Images.ContainerImage> images;
        try
        {
            images = ContainerEngine.ForRoot().Images.List();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Runtime.Errors.ContainerRuntimeException)
        {
            // A store that cannot be read completes nothing; completion must never throw at the user.
            return [];
        }
        return images
            .Select(i => (Text: i.Dangling ? i.ShortId : i.ToString(), Tip: i.Dangling ? i.Id : i.Name))
            .Where(c => pattern.IsMatch(c.Text))
            .DistinctBy(c => c.Text)
            .OrderBy(c => c.Text.StartsWith('<') ? 1 : 0).ThenBy(c => c.Text, StringComparer.Ordinal)
            .Select(c => new CompletionResult(Quote(c.Text), c.Text, CompletionResultType.ParameterValue, c.Tip))
            .ToList();
    }

    private static string Quote(string text) => text.IndexOfAny([' ', '$', '`', '\'', '"', '@', '#', '{', '}', '(', ')', ',', ';']) >= 0 ? "'" + text + "'" : text;
}
