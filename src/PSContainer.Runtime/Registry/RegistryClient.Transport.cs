using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Runtime.Registry;

// The transport: one request (rebuilt per attempt), with
//  - the Authorization header the authorizer has for the request's host, and one answer to a 401;
//  - redirects followed here, not by the handler, so that Authorization reaches only the origin it was made for
//    (a blob redirected to a CDN or to storage gets none — docker and Go's http client do the same);
//  - 429 (honouring Retry-After), 5xx and broken connections retried with backoff; a failed TLS handshake is not
//    retried, so the caller can move on to the next base URI (plain HTTP for an insecure registry).
public sealed partial class RegistryClient
{
    private const int MaxAttempts = 4;
    private const int MaxRedirects = 10;

    /// <summary>
    /// How to send one logical request: the scope to authorize it for (null: never authorize, e.g. a layer's
    /// <c>urls</c>), whether TLS is verified, and the ErrorId of a 404.
    /// </summary>
    private sealed record RequestContext(AuthScope? Auth, bool SkipTlsVerify, string NotFoundId);

    private static RequestContext Context(RemoteRepository repository, string notFoundId) =>
        new(repository.AuthScope, repository.Endpoint.SkipTlsVerify, notFoundId);

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (a new message per attempt) and returns the response once its
    /// status is accepted (<paramref name="accept"/>; default 2xx). Other statuses become ContainerRuntimeExceptions.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RequestContext context, Func<HttpRequestMessage> build, CancellationToken cancellationToken, Func<HttpStatusCode, bool>? accept = null)
    {
        accept ??= status => (int)status is >= 200 and < 300;
        // Two answers at most: the first to the registry's challenge, the second when it refuses what that gave
        // (a cached token it no longer accepts); a third 401 is the registry's final word.
        int answers = 0;
        for (int attempt = 1; ; attempt++)
        {
            using var request = build();
            string host = request.RequestUri!.Authority;
            // A request to another host than the scope's (an upload Location elsewhere) carries no credentials.
            bool authorize = context.Auth is not null && string.Equals(context.Auth.Authority, host, StringComparison.OrdinalIgnoreCase);
            var header = authorize ? await _authorizer.HeaderAsync(context.Auth!, cancellationToken).ConfigureAwait(false) : request.Headers.Authorization;
            if (authorize)
            {
                request.Headers.Authorization = header;
            }
            HttpResponseMessage response;
            try
            {
                response = await SendFollowingRedirectsAsync(request, context.SkipTlsVerify, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (IsTlsFailure(e))
            {
                throw ContainerRuntimeException.Unavailable("RegistryUnavailable", $"{Sanitized(request.RequestUri)}: TLS failed: {e.Message}", e, host);
            }
            catch (HttpRequestException e) when (attempt < MaxAttempts && e.HttpRequestError != HttpRequestError.NameResolutionError && e.HttpRequestError != HttpRequestError.ConnectionError)
            {
                await BackoffAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw ContainerRuntimeException.Unavailable("RegistryUnavailable", $"{Sanitized(request.RequestUri)}: {e.Message}", e, host);
            }

            if (accept(response.StatusCode))
            {
                return response;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && authorize && answers < 2)
                {
                    answers++;
                    await _authorizer.AnswerAsync(context.Auth!, response, header, cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }
                if ((response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500) && attempt < MaxAttempts)
                {
                    await BackoffAsync(attempt, response.Headers.RetryAfter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw await ErrorFromAsync(request.RequestUri, response, context.NotFoundId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="first"/> and follows redirects of GET and HEAD requests. Each hop is a new request with the
    /// same headers; Authorization is kept only while the target has the scheme, host and port of the first request.
    /// </summary>
    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpRequestMessage first, bool skipTlsVerify, CancellationToken cancellationToken)
    {
        var origin = first.RequestUri!;
        var request = first;
        var hops = new List<HttpRequestMessage>();
        try
        {
            for (int hop = 0; ; hop++)
            {
                bool skip = hop == 0 ? skipTlsVerify : _config.IsInsecure(request.RequestUri!.Authority);
                var response = await ClientFor(request.RequestUri!, skip).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!IsRedirect(response.StatusCode) || response.Headers.Location is null || (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head))
                {
                    return response;
                }
                var target = new Uri(request.RequestUri!, response.Headers.Location);
                response.Dispose();
                if (hop == MaxRedirects || (target.Scheme != Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttp))
                {
                    throw ContainerRuntimeException.Unavailable("RegistryRedirectFailed",
                        $"{Sanitized(origin)}: {(hop == MaxRedirects ? "too many redirects" : $"redirect to an unsupported scheme \"{target.Scheme}\"")}", target: origin.Authority);
                }
                var next = new HttpRequestMessage(request.Method, target);
                foreach (var (name, values) in request.Headers)
                {
                    if (!name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                    {
                        next.Headers.TryAddWithoutValidation(name, values);
                    }
                }
                if (SameOrigin(target, origin))
                {
                    next.Headers.Authorization = first.Headers.Authorization;
                }
                hops.Add(next);
                request = next;
            }
        }
        finally
        {
            foreach (var hop in hops)
            {
                hop.Dispose();
            }
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>Scheme, host and path — never a query, which may hold an upload's state or a signed URL's token.</summary>
    private static string Sanitized(Uri? uri) => uri is null ? "" : uri.GetLeftPart(UriPartial.Path);

    private static bool IsTlsFailure(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;

    private static async Task BackoffAsync(int attempt, RetryConditionHeaderValue? retryAfter, CancellationToken cancellationToken)
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1) + Random.Shared.Next(0, 100));
        if (retryAfter?.Delta is { } delta)
        {
            delay = delta;
        }
        else if (retryAfter?.Date is { } date)
        {
            delay = date - DateTimeOffset.UtcNow;
        }
        delay = TimeSpan.FromMilliseconds(Math.Clamp(delay.TotalMilliseconds, 0, 30_000));
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ContainerRuntimeException> ErrorFromAsync(Uri? uri, HttpResponseMessage response, string notFoundId, CancellationToken cancellationToken)
    {
        string detail = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            byte[] body = await ReadLimitedAsync(response.Content, 64 << 10, cancellationToken).ConfigureAwait(false);
            var errors = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.RegistryErrors);
            if (errors?.Errors is { Count: > 0 } list)
            {
                detail = string.Join(", ", list.Select(e => $"{e.Code}: {e.Message}"));
            }
        }
        catch (Exception e) when (e is JsonException or ContainerRuntimeException or IOException)
        {
        }
        string message = $"{Sanitized(uri)}: {detail}";
        string? host = uri?.Authority;
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => ContainerRuntimeException.NotFound(notFoundId, message, host),
            HttpStatusCode.Unauthorized => new ContainerRuntimeException(ErrorKind.Unauthenticated, "RegistryUnauthorized", message) { Target = host },
            HttpStatusCode.Forbidden => new ContainerRuntimeException(ErrorKind.PermissionDenied, "RegistryDenied", message) { Target = host },
            HttpStatusCode.TooManyRequests => ContainerRuntimeException.Unavailable("RegistryRateLimited", message, target: host),
            >= HttpStatusCode.InternalServerError => ContainerRuntimeException.Unavailable("RegistryUnavailable", message, target: host),
            _ => ContainerRuntimeException.FailedPrecondition("RegistryRequestFailed", message, host),
        };
    }
}
