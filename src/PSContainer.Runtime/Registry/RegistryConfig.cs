using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// Registry settings, read from one JSON file (default <c>/etc/pscontainer/config.json</c>, or
/// <c>$PSCONTAINER_CONFIG</c>; docs/REGISTRY.md describes it). The first two keys are docker's daemon.json keys, so
/// a docker user's settings carry over:
/// <code>
/// { "registry-mirrors": ["https://mirror.example"],
///   "insecure-registries": ["myregistry:5000", "10.0.0.0/8"],
///   "certs-directories": ["/etc/docker/certs.d"] }
/// </code>
/// Mirrors apply to docker.io images, as in docker. Loopback registries are insecure by default, as in docker —
/// unless a certs.d directory exists for them: whoever put a CA there wants it checked.
/// <c>certs-directories</c> hold docker's <c>certs.d</c> layout: <c>&lt;host[:port]&gt;/*.crt</c> are extra CAs for
/// that registry, <c>*.cert</c> + <c>*.key</c> pairs are client certificates.
/// </summary>
public sealed record RegistryConfig
{
    public const string DefaultPath = "/etc/pscontainer/config.json";
    public const string PathVariable = "PSCONTAINER_CONFIG";

    /// <summary>Where certs.d directories are looked for when the file does not say: ours, docker's, podman's.</summary>
    public static readonly IReadOnlyList<string> DefaultCertsDirectories = ["/etc/pscontainer/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"];

    [JsonPropertyName("registry-mirrors")]
    public IReadOnlyList<string> RegistryMirrors { get; set; } = [];

    [JsonPropertyName("insecure-registries")]
    public IReadOnlyList<string> InsecureRegistries { get; set; } = [];

    [JsonPropertyName("certs-directories")]
    public IReadOnlyList<string> CertsDirectories { get; set; } = DefaultCertsDirectories;

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
            foreach (string entry in config.InsecureRegistries)
            {
                if (entry.Contains('/', StringComparison.Ordinal) && !IPNetwork.TryParse(entry, out _))
                {
                    throw ContainerRuntimeException.InvalidArgument("InvalidRegistryConfig",
                        $"registry configuration {path}: insecure registry \"{entry}\" is neither host[:port] nor a CIDR range", path);
                }
            }
            return config with { SourcePath = path, CertsDirectories = config.CertsDirectories ?? DefaultCertsDirectories };
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "InvalidRegistryConfig",
                $"registry configuration {path}: {e.Message}", e) { Target = path };
        }
    }

    /// <summary>
    /// True when TLS verification may be skipped or HTTP used for <paramref name="host"/> (host[:port]): listed by
    /// host[:port] or host, inside a listed CIDR range (docker's rule, by IP address only — no DNS lookup), or loopback
    /// without a certs.d directory of its own.
    /// </summary>
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
        bool isAddress = IPAddress.TryParse(hostOnly.Trim('[', ']'), out var address);
        if (isAddress)
        {
            foreach (string entry in InsecureRegistries)
            {
                if (entry.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(entry, out var network) && network.Contains(address!))
                {
                    return true;
                }
            }
        }
        bool loopback = hostOnly.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (isAddress && IPAddress.IsLoopback(address!));
        return loopback && !HasCertsDirectory(host);
    }

    /// <summary>True when one of <see cref="CertsDirectories"/> has a directory for <paramref name="host"/> (host[:port]).</summary>
    public bool HasCertsDirectory(string host) =>
        !host.Contains('/', StringComparison.Ordinal) && host is not ("." or "..") && CertsDirectories.Any(d => Directory.Exists(Path.Combine(d, host)));

    internal static string HostWithoutPort(string host)
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
