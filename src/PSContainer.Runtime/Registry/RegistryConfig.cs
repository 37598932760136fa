using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// Registry settings, read from one JSON file (default <c>/etc/pscontainer/config.json</c>, or
/// <c>$PSCONTAINER_CONFIG</c>). The keys are docker's daemon.json keys, so a docker user's settings carry over:
/// <code>
/// { "registry-mirrors": ["https://mirror.example"], "insecure-registries": ["myregistry:5000"] }
/// </code>
/// Mirrors apply to docker.io images, as in docker. Loopback registries are insecure by default, as in docker.
/// </summary>
public sealed record RegistryConfig
{
    public const string DefaultPath = "/etc/pscontainer/config.json";
    public const string PathVariable = "PSCONTAINER_CONFIG";

    [JsonPropertyName("registry-mirrors")]
    public IReadOnlyList<string> RegistryMirrors { get; set; } = [];

    [JsonPropertyName("insecure-registries")]
    public IReadOnlyList<string> InsecureRegistries { get; set; } = [];

    /// <summary>The file this configuration was read from, if any.</summary>
    [JsonIgnore]
    public string? SourcePath { get; set; }

    public static RegistryConfig Empty { get; } = new();

    /// <summary>Reads <c>$PSCONTAINER_CONFIG</c> or the default path; a missing file is an empty configuration.</summary>
    public static RegistryConfig Load(string? path = null)
    {
        path ??= Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrEmpty(path))
        {
            path = DefaultPath;
        }
        if (!File.Exists(path))
        {
            return Empty with { SourcePath = path };
        }
        try
        {
            var config = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJsonContext.Default.RegistryConfig) ?? Empty;
            foreach (string mirror in config.RegistryMirrors)
            {
                if (!Uri.TryCreate(mirror, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                {
                    throw ContainerRuntimeException.InvalidArgument("InvalidRegistryConfig",
                        $"registry configuration {path}: mirror \"{mirror}\" is not an http(s) URL", path);
                }
            }
            return config with { SourcePath = path };
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "InvalidRegistryConfig",
                $"registry configuration {path}: {e.Message}", e) { Target = path };
        }
    }

    /// <summary>True when TLS may be skipped or HTTP used for <paramref name="host"/> (host[:port]).</summary>
    public bool IsInsecure(string host)
    {
        if (InsecureRegistries.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }
        string hostOnly = HostWithoutPort(host);
        if (InsecureRegistries.Contains(hostOnly, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }
        return hostOnly.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(hostOnly.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    private static string HostWithoutPort(string host)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            return close > 0 ? host[..(close + 1)] : host;
        }
        int colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }
}
