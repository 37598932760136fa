using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// One place an image can be pulled from: a mirror or the registry itself. <see cref="BaseUris"/> are tried in order
/// (for an insecure registry: HTTPS without verification, then plain HTTP, as docker does). <see cref="Registry"/>
/// is the name its credentials are stored under (<c>docker.io</c> for Docker Hub, else host[:port]).
/// </summary>
public sealed record RegistryEndpoint(string Host, IReadOnlyList<Uri> BaseUris, bool SkipTlsVerify, bool IsMirror)
{
    public string Registry => AuthFile.NormalizeKey(Host);

    /// <summary>The endpoints for a registry domain, mirrors first (docker's registry-mirrors apply to docker.io).</summary>
    public static IReadOnlyList<RegistryEndpoint> For(string domain, RegistryConfig config, bool includeMirrors = true)
    {
        var endpoints = new List<RegistryEndpoint>();
        if (domain == Reference.ImageReference.DockerHubDomain && includeMirrors)
        {
            foreach (string mirror in config.RegistryMirrors)
            {
                var uri = new Uri(mirror.TrimEnd('/') + "/");
                string host = uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port;
                bool insecure = config.IsInsecure(host);
                endpoints.Add(new RegistryEndpoint(host, [uri], insecure, IsMirror: true));
            }
        }
        string registryHost = domain == Reference.ImageReference.DockerHubDomain ? "registry-1.docker.io" : domain;
        bool isInsecure = config.IsInsecure(registryHost);
        IReadOnlyList<Uri> uris = isInsecure
            ? [new Uri("https://" + registryHost + "/"), new Uri("http://" + registryHost + "/")]
            : [new Uri("https://" + registryHost + "/")];
        endpoints.Add(new RegistryEndpoint(registryHost, uris, isInsecure, IsMirror: false));
        return endpoints;
    }

    public override string ToString() => string.Join(" or ", BaseUris.Select(u => u.GetLeftPart(UriPartial.Authority)));
}
