using System.Net;
using System.Net.Http.Headers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Runtime.Registry;

// docker login's check: the credentials must open GET /v2/ before they are stored.
public sealed partial class RegistryClient
{
    /// <summary>
    /// Checks <paramref name="credential"/> against <paramref name="registry"/> (host[:port], <c>docker.io</c> for Docker
    /// Hub). The registry's challenge decides how: Basic sends the credentials with <c>GET /v2/</c>; Bearer asks the token
    /// server for a token with them (and for a refresh token, docker's <c>offline_token</c>) and then opens <c>/v2/</c> with it.
    /// Returns the refresh token the token server handed out, if any, which the caller stores as an identity token.
    /// Throws Unauthenticated (<c>RegistryLoginFailed</c>) when the registry refuses the credentials.
    /// </summary>
    public async Task<string?> LoginAsync(string registry, RegistryCredential credential, CancellationToken cancellationToken)
    {
        var endpoint = RegistryEndpoint.For(registry, _config, includeMirrors: false)[0];
        ContainerRuntimeException? last = null;
        foreach (var baseUri in endpoint.BaseUris)
        {
            var ping = new Uri(baseUri, "v2/");
            var context = new RequestContext(null, endpoint.SkipTlsVerify, "RegistryNotFound");
            try
            {
                using var first = await SendAsync(context, () => new HttpRequestMessage(HttpMethod.Get, ping), cancellationToken,
                    status => status is HttpStatusCode.OK or HttpStatusCode.Unauthorized).ConfigureAwait(false);
                if (first.StatusCode == HttpStatusCode.OK)
                {
                    // docker's behaviour: a registry that needs no authentication accepts any login.
                    return null;
                }
                var challenges = first.Headers.WwwAuthenticate.Select(h => h.ToString()).SelectMany(Challenge.Parse).ToList();
                AuthenticationHeaderValue header;
                string? refreshToken = null;
                if (challenges.FirstOrDefault(c => c.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase) && c.Realm is not null) is { } bearer)
                {
                    BearerToken token;
                    try
                    {
                        token = await _authorizer.FetchTokenAsync(bearer, [], credential, offline: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ContainerRuntimeException e) when (e.Kind == ErrorKind.Unauthenticated)
                    {
                        throw LoginFailed(registry, credential, e);
                    }
                    header = new AuthenticationHeaderValue("Bearer", token.Token);
                    refreshToken = token.RefreshToken;
                }
                else if (challenges.Any(c => c.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase)) && credential.Password is not null)
                {
                    header = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
                }
                else
                {
                    throw new ContainerRuntimeException(ErrorKind.NotImplemented, "RegistryAuthUnsupported",
                        $"registry {registry}: unsupported authentication challenge \"{string.Join(", ", challenges.Select(c => c.Scheme))}\"") { Target = registry };
                }
                using var second = await SendAsync(context, () => new HttpRequestMessage(HttpMethod.Get, ping) { Headers = { Authorization = header } }, cancellationToken,
                    status => status is HttpStatusCode.OK or HttpStatusCode.Unauthorized).ConfigureAwait(false);
                if (second.StatusCode != HttpStatusCode.OK)
                {
                    throw LoginFailed(registry, credential, null);
                }
                _authorizer.Reset();
                return refreshToken;
            }
            catch (ContainerRuntimeException e) when (e.Kind == ErrorKind.Unavailable)
            {
                last = e;
            }
        }
        throw last!;
    }

    private static ContainerRuntimeException LoginFailed(string registry, RegistryCredential credential, Exception? inner) =>
        new(ErrorKind.Unauthenticated, "RegistryLoginFailed", $"login to {registry} as {credential.UserName} failed: the registry refused the credentials", inner) { Target = registry };
}
