using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// Answers registry 401 challenges (containerd's docker authorizer): a Bearer challenge is exchanged at its
/// realm for a token scoped to the repository, cached per realm/service/scope until it expires.
/// Anonymous for now; credentials plug in through <see cref="Credentials"/>.
/// </summary>
public sealed class TokenAuthorizer
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new();
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> _hostAuthorization = new(StringComparer.OrdinalIgnoreCase);

    public TokenAuthorizer(HttpClient client)
    {
        _client = client;
    }

    /// <summary>Username and password (or identity token) for a registry host, or null for anonymous.</summary>
    public Func<string, NetworkCredential?> Credentials { get; init; } = _ => null;

    /// <summary>The Authorization header for a request to <paramref name="host"/> in <paramref name="scope"/>, if one is known.</summary>
    public AuthenticationHeaderValue? Current(string host, string scope) =>
        _hostAuthorization.TryGetValue(host + " " + scope, out var value) ? value : null;

    /// <summary>Handles a 401 answer: obtains an Authorization value for a retry, or throws Unauthenticated.</summary>
    public async Task<AuthenticationHeaderValue> AuthorizeAsync(string host, string scope, HttpResponseMessage unauthorized, CancellationToken cancellationToken)
    {
        var challenges = unauthorized.Headers.WwwAuthenticate.Select(h => h.ToString()).SelectMany(Challenge.Parse).ToList();
        var credential = Credentials(host);
        foreach (var challenge in challenges)
        {
            AuthenticationHeaderValue? header = null;
            if (challenge.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase) && challenge.Realm is not null)
            {
                string token = await FetchTokenAsync(challenge, scope, credential, cancellationToken).ConfigureAwait(false);
                header = new AuthenticationHeaderValue("Bearer", token);
            }
            else if (challenge.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase) && credential is not null)
            {
                header = BasicHeader(credential);
            }
            if (header is not null)
            {
                _hostAuthorization[host + " " + scope] = header;
                return header;
            }
        }
        throw new ContainerRuntimeException(ErrorKind.Unauthenticated, "RegistryUnauthorized",
            $"registry {host}: authentication required and no usable credentials or challenge") { Target = host };
    }

    private async Task<string> FetchTokenAsync(Challenge challenge, string scope, NetworkCredential? credential, CancellationToken cancellationToken)
    {
        string wantedScope = challenge.Scope ?? scope;
        string key = challenge.Realm + " " + challenge.Service + " " + wantedScope + " " + credential?.UserName;
        if (_tokens.TryGetValue(key, out var cached) && cached.Expires > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }
        var query = new List<string>();
        if (challenge.Service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(challenge.Service));
        }
        foreach (string s in wantedScope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Add("scope=" + Uri.EscapeDataString(s));
        }
        var builder = new UriBuilder(challenge.Realm!);
        string existing = builder.Query.TrimStart('?');
        builder.Query = string.Join('&', new[] { existing }.Where(q => q.Length > 0).Concat(query));
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credential is not null)
        {
            request.Headers.Authorization = BasicHeader(credential);
        }
        using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ContainerRuntimeException(ErrorKind.Unauthenticated, "RegistryUnauthorized",
                $"token server {builder.Uri.GetLeftPart(UriPartial.Path)}: {(int)response.StatusCode} {response.ReasonPhrase}") { Target = challenge.Realm };
        }
        if (!response.IsSuccessStatusCode)
        {
            throw ContainerRuntimeException.Unavailable("RegistryTokenFailed",
                $"token server {builder.Uri.GetLeftPart(UriPartial.Path)}: {(int)response.StatusCode} {response.ReasonPhrase}", target: challenge.Realm);
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        TokenResponse? token;
        try
        {
            token = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TokenResponse);
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.Unavailable, "RegistryTokenFailed", $"token server {challenge.Realm}: invalid answer: {e.Message}", e);
        }
        string? value = token?.Token ?? token?.AccessToken;
        if (string.IsNullOrEmpty(value))
        {
            throw ContainerRuntimeException.Unavailable("RegistryTokenFailed", $"token server {challenge.Realm}: answer holds no token");
        }
        var lifetime = token!.ExpiresIn is > 0 ? TimeSpan.FromSeconds(token.ExpiresIn.Value) : DefaultTokenLifetime;
        // Renew a little early so a token does not expire mid-request.
        _tokens[key] = (value, DateTimeOffset.UtcNow + lifetime - TimeSpan.FromSeconds(Math.Min(10, lifetime.TotalSeconds / 4)));
        return value;
    }

    private static AuthenticationHeaderValue BasicHeader(NetworkCredential credential) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
}
