using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// Challenge-driven registry authentication (containerd's docker authorizer, docker's token handler):
/// <list type="bullet">
/// <item>A request goes out anonymously until the registry answers 401; its <c>WWW-Authenticate</c> challenges are
/// remembered per host, and from then on every request to that host is authorized up front.</item>
/// <item>Bearer: a token for the request's scopes is fetched at the challenge's realm — anonymously, with Basic
/// credentials (GET, docker's way), or with an identity token (OAuth2 <c>refresh_token</c> grant, POST) — and cached
/// until its <c>expires_in</c> (default 60 s) runs out.</item>
/// <item>Basic: the credentials themselves.</item>
/// </list>
/// Tokens and credentials never appear in messages. Which request gets a header at all (never another host after a
/// redirect, never a layer's <c>urls</c>) is the transport's decision; this class only answers for the host it is asked about.
/// </summary>
public sealed class RegistryAuthorizer
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);
    private const string ClientId = "pscontainer";
    private readonly Func<Uri, HttpMessageInvoker> _clients;
    private readonly ICredentialSource _credentials;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, IReadOnlyList<Challenge>> _challenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new();
    private readonly ConcurrentDictionary<string, RegistryCredential?> _credentialCache = new();

    public RegistryAuthorizer(Func<Uri, HttpMessageInvoker> clients, ICredentialSource credentials, TimeProvider? time = null)
    {
        _clients = clients;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many tokens were fetched from token servers (the cache's effect, for tests and diagnostics).</summary>
    public int TokensFetched => _tokensFetched;

    private int _tokensFetched;

    /// <summary>The Authorization header for a request in <paramref name="scope"/>, or null while the host has not asked for one.</summary>
    public async ValueTask<AuthenticationHeaderValue?> HeaderAsync(AuthScope scope, CancellationToken cancellationToken)
    {
        if (!_challenges.TryGetValue(scope.Authority, out var challenges))
        {
            return null;
        }
        foreach (var challenge in challenges)
        {
            if (challenge.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase) && challenge.Realm is not null)
            {
                var token = await TokenAsync(challenge, scope, cancellationToken).ConfigureAwait(false);
                return new AuthenticationHeaderValue("Bearer", token.Token);
            }
            if (challenge.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase) && Credential(scope) is { Password: not null } credential)
            {
                return BasicHeader(credential);
            }
        }
        return null;
    }

    /// <summary>
    /// Learns from a 401 answer and returns the header for one more attempt. Throws Unauthenticated when there is
    /// nothing new to try: no usable challenge, no credentials for Basic, or the same header was just refused.
    /// </summary>
    public async Task<AuthenticationHeaderValue> AnswerAsync(AuthScope scope, HttpResponseMessage unauthorized, AuthenticationHeaderValue? sent, CancellationToken cancellationToken)
    {
        var challenges = unauthorized.Headers.WwwAuthenticate.Select(h => h.ToString()).SelectMany(Challenge.Parse).ToList();
        if (challenges.Count == 0)
        {
            throw Unauthenticated(scope, "the registry answered 401 without a WWW-Authenticate challenge");
        }
        _challenges[scope.Authority] = challenges;
        if (sent?.Scheme == "Bearer")
        {
            // The registry refused a cached token (expired early, or revoked): fetch a fresh one.
            foreach (var (key, token) in _tokens)
            {
                if (token.Token == sent.Parameter)
                {
                    _tokens.TryRemove(key, out _);
                }
            }
        }
        var header = await HeaderAsync(scope, cancellationToken).ConfigureAwait(false);
        if (header is null)
        {
            throw Unauthenticated(scope, Credential(scope) is null
                ? "authentication required and no credentials are stored for it (Connect-ContainerRegistry)"
                : "the registry asks for an authentication scheme that is not supported");
        }
        if (sent is not null && header.ToString() == sent.ToString())
        {
            throw Unauthenticated(scope, "the credentials were refused");
        }
        return header;
    }

    /// <summary>Forgets what the host asked for (after a login or logout changes what credentials apply).</summary>
    public void Reset()
    {
        _challenges.Clear();
        _tokens.Clear();
        _credentialCache.Clear();
    }

    private RegistryCredential? Credential(AuthScope scope) =>
        _credentialCache.GetOrAdd(scope.Registry + "\n" + scope.Repository, _ => _credentials.Get(scope.Registry, scope.Repository));

    private async Task<BearerToken> TokenAsync(Challenge challenge, AuthScope scope, CancellationToken cancellationToken)
    {
        var credential = Credential(scope);
        IReadOnlyList<string> scopes = scope.Scopes.Count > 0 ? scope.Scopes
            : challenge.Scope is { } s ? s.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        string key = string.Join("\n", challenge.Realm, challenge.Service, string.Join(' ', scopes.Order(StringComparer.Ordinal)), credential?.CacheKey);
        if (_tokens.TryGetValue(key, out var cached) && cached.Expires > _time.GetUtcNow())
        {
            return cached;
        }
        var token = await FetchTokenAsync(challenge, scopes, credential, offline: false, cancellationToken).ConfigureAwait(false);
        _tokens[key] = token;
        return token;
    }

    /// <summary>
    /// Fetches a token at the challenge's realm. With <paramref name="offline"/> (a login) the server is asked for a
    /// refresh token too (docker's <c>offline_token=true</c>), which can be stored as an identity token.
    /// </summary>
    public async Task<BearerToken> FetchTokenAsync(Challenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential, bool offline, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _tokensFetched);
        var realm = new Uri(challenge.Realm!);
        if (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp)
        {
            throw Unavailable(realm, $"token realm scheme \"{realm.Scheme}\" is not http(s)");
        }
        using var request = credential?.IdentityToken is { } refreshToken
            ? RefreshRequest(realm, challenge.Service, scopes, refreshToken)
            : QueryRequest(realm, challenge.Service, scopes, credential, offline);
        using var response = await _clients(realm).SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ContainerRuntimeException(ErrorKind.Unauthenticated, "RegistryUnauthorized",
                $"token server {realm.GetLeftPart(UriPartial.Path)}: {(int)response.StatusCode} {response.ReasonPhrase}: "
                + (credential is null ? "anonymous access refused" : $"the credentials of {credential.UserName} were refused")) { Target = realm.Host };
        }
        if (!response.IsSuccessStatusCode)
        {
            throw Unavailable(realm, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        TokenResponse? answer;
        try
        {
            answer = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TokenResponse);
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.Unavailable, "RegistryTokenFailed", $"token server {realm.GetLeftPart(UriPartial.Path)}: invalid answer: {e.Message}", e) { Target = realm.Host };
        }
        string? value = answer?.Token is { Length: > 0 } t ? t : answer?.AccessToken;
        if (string.IsNullOrEmpty(value))
        {
            throw Unavailable(realm, "the answer holds no token");
        }
        var lifetime = answer!.ExpiresIn is > 0 ? TimeSpan.FromSeconds(answer.ExpiresIn.Value) : DefaultTokenLifetime;
        // Renew a little early, so a token does not run out between being chosen and reaching the registry.
        var margin = TimeSpan.FromSeconds(Math.Min(10, lifetime.TotalSeconds / 4));
        return new BearerToken(value, _time.GetUtcNow() + lifetime - margin, answer.RefreshToken);
    }

    private static HttpRequestMessage QueryRequest(Uri realm, string? service, IReadOnlyList<string> scopes, RegistryCredential? credential, bool offline)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }
        foreach (string s in scopes)
        {
            query.Add("scope=" + Uri.EscapeDataString(s));
        }
        if (credential is not null && credential.UserName.Length > 0)
        {
            query.Add("account=" + Uri.EscapeDataString(credential.UserName));
        }
        if (offline && credential is not null)
        {
            query.Add("offline_token=true");
            query.Add("client_id=" + ClientId);
        }
        var builder = new UriBuilder(realm);
        string existing = builder.Query.TrimStart('?');
        builder.Query = string.Join('&', new[] { existing }.Where(q => q.Length > 0).Concat(query));
        var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credential is { Password: not null })
        {
            request.Headers.Authorization = BasicHeader(credential);
        }
        return request;
    }

    private static HttpRequestMessage RefreshRequest(Uri realm, string? service, IReadOnlyList<string> scopes, string refreshToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("client_id", ClientId),
            new("access_type", "offline"),
        };
        if (service is not null)
        {
            form.Add(new("service", service));
        }
        if (scopes.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', scopes)));
        }
        return new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
    }

    private static AuthenticationHeaderValue BasicHeader(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));

    private static ContainerRuntimeException Unauthenticated(AuthScope scope, string why) =>
        new(ErrorKind.Unauthenticated, "RegistryUnauthorized", $"registry {scope.Authority}: {why}") { Target = scope.Registry };

    private static ContainerRuntimeException Unavailable(Uri realm, string why) =>
        ContainerRuntimeException.Unavailable("RegistryTokenFailed", $"token server {realm.GetLeftPart(UriPartial.Path)}: {why}", target: realm.Host);
}
