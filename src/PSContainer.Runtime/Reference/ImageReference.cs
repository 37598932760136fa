using System.Text.RegularExpressions;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Reference;

/// <summary>
/// A parsed, normalised image reference: <c>hello-world</c> becomes <c>docker.io/library/hello-world:latest</c>,
/// exactly as docker's distribution/reference <c>ParseNormalizedNamed</c> + <c>TagNameOnly</c> do.
/// Parsing happens once; an instance is always valid.
/// </summary>
public sealed partial class ImageReference : IEquatable<ImageReference>
{
    public const string DockerHubDomain = "docker.io";
    private const string LegacyDockerHubDomain = "index.docker.io";
    private const string OfficialRepositoryPrefix = "library/";
    private const string DefaultTag = "latest";
    private const int NameTotalLengthMax = 255;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host, with port if any: <c>docker.io</c>, <c>localhost:5000</c>.</summary>
    public string Domain { get; }

    /// <summary>The repository path inside the registry: <c>library/hello-world</c>.</summary>
    public string Path { get; }

    /// <summary>The tag, or null for a digest-only reference.</summary>
    public string? Tag { get; }

    /// <summary>The digest, for a reference such as <c>name@sha256:…</c>.</summary>
    public Digest? Digest { get; }

    /// <summary>The fully qualified repository name: <c>docker.io/library/hello-world</c>.</summary>
    public string Name => Domain + "/" + Path;

    /// <summary>The short name docker shows: <c>hello-world</c>, <c>user/app</c>, <c>localhost:5000/a/b</c>.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DockerHubDomain)
            {
                return Name;
            }
            return Path.StartsWith(OfficialRepositoryPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialRepositoryPrefix.Length) < 0
                ? Path[OfficialRepositoryPrefix.Length..]
                : Path;
        }
    }

    /// <summary>Parses and normalises a reference; adds the <c>latest</c> tag when neither tag nor digest is given.</summary>
    public static ImageReference Parse(string value)
    {
        if (TryParse(value, out var reference, out var error))
        {
            return reference;
        }
        throw ContainerRuntimeException.InvalidArgument("InvalidImageReference", $"invalid reference format \"{value}\": {error}", value);
    }

    public static bool TryParse(string? value, out ImageReference reference) => TryParse(value, out reference, out _);

    private static bool TryParse(string? value, out ImageReference reference, out string error)
    {
        reference = null!;
        if (string.IsNullOrEmpty(value))
        {
            error = "empty reference";
            return false;
        }
        if (AnchoredIdentifier().IsMatch(value))
        {
            error = "cannot specify 64-byte hexadecimal strings as a repository name";
            return false;
        }

        var (domain, remainder) = SplitDockerDomain(value);
        // The remainder holds path[:tag][@digest]; the path part must be lowercase (docker's rule).
        int pathEnd = remainder.IndexOfAny([':', '@']);
        string pathPart = pathEnd < 0 ? remainder : remainder[..pathEnd];
        if (pathPart.ToLowerInvariant() != pathPart)
        {
            error = "repository name must be lowercase";
            return false;
        }

        var match = ReferenceGrammar().Match(domain + "/" + remainder);
        if (!match.Success)
        {
            error = "does not match the reference grammar";
            return false;
        }
        string name = match.Groups["name"].Value;
        if (name.Length > NameTotalLengthMax)
        {
            error = $"repository name must not be more than {NameTotalLengthMax} characters";
            return false;
        }
        string path = name[(domain.Length + 1)..];
        string? tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        Digest? digest = null;
        if (match.Groups["digest"].Success)
        {
            if (!Reference.Digest.TryParse(match.Groups["digest"].Value, out var parsed))
            {
                error = $"invalid digest \"{match.Groups["digest"].Value}\"";
                return false;
            }
            digest = parsed;
        }
        if (tag is null && digest is null)
        {
            tag = DefaultTag;
        }
        reference = new ImageReference(domain, path, tag, digest);
        error = "";
        return true;
    }

    /// <summary>docker's splitDockerDomain: the first component is a registry only if it looks like a host.</summary>
    private static (string Domain, string Remainder) SplitDockerDomain(string value)
    {
        string domain;
        string remainder;
        int slash = value.IndexOf('/');
        if (slash < 0 || (value.AsSpan(0, slash).IndexOfAny('.', ':') < 0 && value[..slash] != "localhost" && value[..slash].ToLowerInvariant() == value[..slash]))
        {
            domain = DockerHubDomain;
            remainder = value;
        }
        else
        {
            domain = value[..slash];
            remainder = value[(slash + 1)..];
        }
        if (domain == LegacyDockerHubDomain)
        {
            domain = DockerHubDomain;
        }
        if (domain == DockerHubDomain && remainder.IndexOf('/') < 0)
        {
            remainder = OfficialRepositoryPrefix + remainder;
        }
        return (domain, remainder);
    }

    /// <summary>The same repository with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag)
    {
        if (!TagGrammar().IsMatch(tag))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidImageTag", $"invalid tag \"{tag}\"", tag);
        }
        return new ImageReference(Domain, Path, tag, null);
    }

    /// <summary>The same repository pinned to a digest (the tag is kept for display).</summary>
    public ImageReference WithDigest(Digest digest) => new(Domain, Path, Tag, digest);

    /// <summary>What a registry is asked for: the digest when there is one, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag!;

    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>docker's FamiliarString: <c>hello-world:latest</c>.</summary>
    public string ToFamiliarString() =>
        FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public bool Equals(ImageReference? other) => other is not null && ToString() == other.ToString();

    public override bool Equals(object? obj) => Equals(obj as ImageReference);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    // distribution/reference regexp.go, anchored. Host components may hold uppercase letters; path components may not.
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainName = DomainComponent + @"(?:\." + DomainComponent + ")*";
    private const string Ipv6 = @"\[(?:[a-fA-F0-9:]+)\]";
    private const string Host = "(?:" + DomainName + "|" + Ipv6 + ")";
    private const string DomainAndPort = Host + "(?::[0-9]+)?";
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string NamePattern = "(?:" + DomainAndPort + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";
    private const string TagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?<name>" + NamePattern + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceGrammar();

    [GeneratedRegex("^" + TagPattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex TagGrammar();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnchoredIdentifier();
}
