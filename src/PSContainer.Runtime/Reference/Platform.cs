using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Reference;

/// <summary>
/// An OCI platform (image-spec image-index.md): os, architecture and optional variant,
/// normalised the way containerd's platforms package does (x86_64 -> amd64, aarch64 -> arm64).
/// </summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "";

    [JsonPropertyName("os")]
    public string OS { get; set; } = "";

    [JsonPropertyName("os.version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OSVersion { get; set; }

    [JsonPropertyName("os.features")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? OSFeatures { get; set; }

    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; set; }

    /// <summary>The platform of this machine.</summary>
    public static Platform Host { get; } = new()
    {
        OS = "linux",
        Architecture = NormalizeArchitecture(RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()),
    };

    /// <summary>Parses <c>os/arch[/variant]</c>, or just <c>arch</c> (linux implied).</summary>
    public static Platform Parse(string value)
    {
        string[] parts = value.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 1 or > 3 || parts.Any(string.IsNullOrEmpty))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidPlatform", $"invalid platform \"{value}\": expected os/architecture[/variant]", value);
        }
        if (parts.Length == 1)
        {
            return Normalize(new Platform { OS = "linux", Architecture = parts[0] });
        }
        return Normalize(new Platform { OS = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null });
    }

    public static Platform Normalize(Platform p)
    {
        string arch = NormalizeArchitecture(p.Architecture.ToLowerInvariant());
        string? variant = string.IsNullOrEmpty(p.Variant) ? null : p.Variant.ToLowerInvariant();
        if (p.Architecture is "aarch64" && variant is null)
        {
            variant = "v8";
        }
        if (arch == "arm64" && variant == "8")
        {
            variant = "v8";
        }
        if (arch == "arm" && variant is null)
        {
            variant = "v7";
        }
        return p with { OS = p.OS.ToLowerInvariant(), Architecture = arch, Variant = variant };
    }

    private static string NormalizeArchitecture(string arch) => arch switch
    {
        "x86_64" or "x86-64" or "x64" => "amd64",
        "aarch64" => "arm64",
        "armhf" or "armel" => "arm",
        "i386" or "i686" or "x86" => "386",
        _ => arch,
    };

    /// <summary>True when an image built for <paramref name="candidate"/> runs on this platform.</summary>
    public bool Matches(Platform candidate)
    {
        var self = Normalize(this);
        var other = Normalize(candidate);
        if (self.OS != other.OS || self.Architecture != other.Architecture)
        {
            return false;
        }
        // arm64 images usually omit the v8 variant; an unspecified wanted variant matches any.
        string? want = self.Variant;
        string? have = other.Variant;
        if (self.Architecture == "arm64")
        {
            want ??= "v8";
            have ??= "v8";
        }
        return want is null || want == have;
    }

    public override string ToString() => OS + "/" + Architecture + (Variant is null ? "" : "/" + Variant);
}
