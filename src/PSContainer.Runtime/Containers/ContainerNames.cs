using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>Container ids and names: creation and validation before either becomes part of a path.</summary>
public static partial class ContainerNames
{
    private static readonly string[] Adjectives =
    [
        "brave", "calm", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid", "merry",
        "nimble", "proud", "quiet", "rapid", "sharp", "steady", "swift", "tidy", "vivid", "wise",
    ];

    private static readonly string[] Nouns =
    [
        "anchor", "beacon", "cedar", "delta", "ember", "falcon", "glacier", "harbor", "island", "juniper",
        "kestrel", "lagoon", "meadow", "nebula", "orchid", "pebble", "quartz", "river", "summit", "tundra",
    ];

    /// <summary>A new random 64-hex-digit id, as docker's.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>A readable random name such as <c>swift_harbor</c>; a number is added on collision by the caller.</summary>
    public static string NewName() =>
        Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)] + "_" + Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)];

    /// <summary>True for a full 64-hex id.</summary>
    public static bool IsId(string value) => IdPattern().IsMatch(value);

    /// <summary>Throws InvalidArgument unless <paramref name="name"/> is a valid container name (docker's rule).</summary>
    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidContainerName",
                $"invalid container name \"{name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        }
    }

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")]
    private static partial Regex NamePattern();
}
