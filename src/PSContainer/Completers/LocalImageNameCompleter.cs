using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSContainer.Runtime;
using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Completers;

/// <summary>Completes image names from the local store only (repository:tag as docker shows them); never asks a registry.</summary>
public sealed class LocalImageNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        IReadOnlyList<ContainerImage> images;
        try
        {
            images = ContainerEngine.ForRoot().Images.List();
        }
        catch (Exception)
        {
            yield break; // completion never fails loudly
        }
        foreach (var image in images.Where(i => Matches(i, pattern)).OrderBy(i => i.Repository, StringComparer.Ordinal))
        {
            string text = image.Tag is null ? image.Repository : image.Repository + ":" + image.Tag;
            yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, image.Name);
        }
    }

    /// <summary>The names an image answers to: short name with or without tag, full name, id, short id.</summary>
    public static bool Matches(ContainerImage image, WildcardPattern pattern) =>
        pattern.IsMatch(image.Repository) || pattern.IsMatch(image.Repository + ":" + image.Tag)
        || pattern.IsMatch(image.Name) || pattern.IsMatch(image.Id) || pattern.IsMatch(image.ShortId);
}
