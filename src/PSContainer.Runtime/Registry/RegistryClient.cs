using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry.Auth;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// A client of the OCI distribution API (distribution-spec spec.md, pull side): resolves a reference to a
/// manifest at the first endpoint that answers (mirrors first), then fetches blobs by digest from there.
/// Handles 401 challenges through <see cref="TokenAuthorizer"/> and retries 429, 5xx and broken connections.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    public const long ManifestSizeLimit = 4 << 20;
    private const int MaxAttempts = 4;
    private readonly RegistryConfig _config;
    private readonly HttpClient _secure;
    private readonly HttpClient _insecure;
    private readonly TokenAuthorizer _authorizer;

    public RegistryClient(RegistryConfig config, HttpMessageHandler? handler = null)
    {
        _config = config;
        _secure = new HttpClient(handler ?? CreateHandler(skipTlsVerify: false), disposeHandler: handler is null) { Timeout = Timeout.InfiniteTimeSpan };
        _insecure = handler is null ? new HttpClient(CreateHandler(skipTlsVerify: true)) { Timeout = Timeout.InfiniteTimeSpan } : _secure;
        _authorizer = new TokenAuthorizer(_secure);
        foreach (var client in new[] { _secure, _insecure }.Distinct())
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd("PSContainer/0.1");
        }
    }

    public RegistryConfig Config => _config;

    private static SocketsHttpHandler CreateHandler(bool skipTlsVerify)
    {
        var handler = new SocketsHttpHandler
        {
            // Layers are compressed blobs with a digest: they must arrive byte for byte.
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (skipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        return handler;
    }

    /// <summary>
    /// Fetches the manifest (or index) that <paramref name="reference"/> names, trying each endpoint in turn.
    /// The bytes are verified against the reference's digest when it has one.
    /// </summary>
    public async Task<(RemoteRepository Repository, ManifestResponse Manifest)> ResolveAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        ContainerRuntimeException? best = null;
        var tried = new List<string>();
        foreach (var endpoint in RegistryEndpoint.For(reference.Domain, _config))
        {
            foreach (var baseUri in endpoint.BaseUris)
            {
                var repository = new RemoteRepository(endpoint, baseUri, reference.Path);
                try
                {
                    var manifest = await FetchManifestAsync(repository, reference.ManifestReference, cancellationToken).ConfigureAwait(false);
                    if (reference.Digest is { } expected && manifest.Digest != expected)
                    {
                        throw ContainerRuntimeException.DataLoss("ManifestDigestMismatch",
                            $"{reference}: {repository} sent a manifest that hashes to {manifest.Digest}", reference.ToString());
                    }
                    return (repository, manifest);
                }
                catch (ContainerRuntimeException e) when (e.Kind != ErrorKind.InvalidArgument)
                {
                    tried.Add($"{repository}: {e.Message}");
                    best = MoreRelevant(best, e);
                }
            }
        }
        string detail = string.Join("; ", tried);
        throw new ContainerRuntimeException(best!.Kind, best.ErrorId, $"{reference.ToFamiliarString()}: {FirstLine(best)} ({detail})", best) { Target = reference.ToString() };
    }

    private static string FirstLine(ContainerRuntimeException e) => e.Kind switch
    {
        ErrorKind.NotFound => "not found",
        ErrorKind.Unavailable => "registry unavailable",
        ErrorKind.Unauthenticated => "authentication required",
        ErrorKind.PermissionDenied => "access denied",
        _ => e.Message,
    };

    /// <summary>containerd keeps the most relevant error across mirrors: a real answer beats an unreachable host.</summary>
    private static ContainerRuntimeException MoreRelevant(ContainerRuntimeException? a, ContainerRuntimeException b)
    {
        static int Rank(ErrorKind kind) => kind switch
        {
            ErrorKind.DataLoss => 5,
            ErrorKind.Unauthenticated or ErrorKind.PermissionDenied => 4,
            ErrorKind.NotFound => 3,
            ErrorKind.FailedPrecondition or ErrorKind.NotImplemented => 2,
            _ => 1,
        };
        return a is null || Rank(b.Kind) > Rank(a.Kind) ? b : a;
    }

    /// <summary>GET a manifest by tag or digest from one repository.</summary>
    public async Task<ManifestResponse> FetchManifestAsync(RemoteRepository repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, repository.ManifestUri(reference));
            foreach (string type in MediaTypes.ManifestAccept)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }
            return request;
        }, "ImageNotFound", cancellationToken).ConfigureAwait(false);

        if (response.Content.Headers.ContentLength > ManifestSizeLimit)
        {
            throw ContainerRuntimeException.InvalidArgument("ManifestTooLarge", $"{repository}: manifest {reference} is larger than {ManifestSizeLimit} bytes");
        }
        byte[] content = await ReadLimitedAsync(response.Content, ManifestSizeLimit, cancellationToken).ConfigureAwait(false);
        var digest = Digest.Compute(content);
        string mediaType = ManifestMediaType(content, response.Content.Headers.ContentType?.MediaType);
        return new ManifestResponse(content, mediaType, digest);
    }

    /// <summary>The media type a manifest declares, else the one the registry sent.</summary>
    private static string ManifestMediaType(byte[] content, string? contentType)
    {
        try
        {
            var probe = JsonSerializer.Deserialize(content, SpecJsonContext.Default.ManifestProbe);
            if (!string.IsNullOrEmpty(probe?.MediaType))
            {
                return probe.MediaType;
            }
            if (probe?.SchemaVersion == 1 || probe?.FsLayers is not null)
            {
                return MediaTypes.DockerManifestSchema1;
            }
            if (contentType is null || contentType == "application/json")
            {
                return probe?.Manifests is not null ? MediaTypes.OciIndex : MediaTypes.OciManifest;
            }
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.DataLoss, "ManifestInvalid", $"manifest is not valid JSON: {e.Message}", e);
        }
        return contentType;
    }

    /// <summary>
    /// Opens a blob, from <paramref name="offset"/> when it is not zero. The boolean says whether the server
    /// honoured the range; if not, the stream starts at byte 0.
    /// </summary>
    public async Task<(Stream Content, bool Resumed)> FetchBlobAsync(RemoteRepository repository, Descriptor blob, long offset, CancellationToken cancellationToken)
    {
        var response = await SendAsync(repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, repository.BlobUri(blob.Digest));
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }
            return request;
        }, "BlobNotFound", cancellationToken).ConfigureAwait(false);
        try
        {
            bool resumed = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent
                && response.Content.Headers.ContentRange?.From == offset;
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return (new ResponseStream(stream, response), resumed);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (a new message per attempt), answering one 401 with
    /// credentials and retrying 429, 5xx and connection failures with backoff. Returns a successful response.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RemoteRepository repository, Func<HttpRequestMessage> build, string notFoundId, CancellationToken cancellationToken)
    {
        var client = repository.Endpoint.SkipTlsVerify ? _insecure : _secure;
        string host = repository.BaseUri.Authority;
        bool authorized = false;
        for (int attempt = 1; ; attempt++)
        {
            using var request = build();
            request.Headers.Authorization = _authorizer.Current(host, repository.Scope);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (IsTlsFailure(e))
            {
                // Wrong scheme or an untrusted certificate: the next base URI (plain HTTP) may work; retrying will not.
                throw ContainerRuntimeException.Unavailable("RegistryUnavailable", $"{repository}: TLS failed: {e.Message}", e, host);
            }
            catch (HttpRequestException e) when (attempt < MaxAttempts && e.HttpRequestError != HttpRequestError.NameResolutionError && e.HttpRequestError != HttpRequestError.ConnectionError)
            {
                await BackoffAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw ContainerRuntimeException.Unavailable("RegistryUnavailable", $"{repository}: {e.Message}", e, host);
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && !authorized)
                {
                    authorized = true;
                    await _authorizer.AuthorizeAsync(host, repository.Scope, response, cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }
                if ((response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500) && attempt < MaxAttempts)
                {
                    await BackoffAsync(attempt, response.Headers.RetryAfter, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw await ErrorFromAsync(repository, response, notFoundId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

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

    private static async Task<ContainerRuntimeException> ErrorFromAsync(RemoteRepository repository, HttpResponseMessage response, string notFoundId, CancellationToken cancellationToken)
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
        string message = $"{repository}: {detail}";
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => ContainerRuntimeException.NotFound(notFoundId, message),
            HttpStatusCode.Unauthorized => new ContainerRuntimeException(ErrorKind.Unauthenticated, "RegistryUnauthorized", message),
            HttpStatusCode.Forbidden => new ContainerRuntimeException(ErrorKind.PermissionDenied, "RegistryDenied", message),
            HttpStatusCode.TooManyRequests => ContainerRuntimeException.Unavailable("RegistryRateLimited", message),
            >= HttpStatusCode.InternalServerError => ContainerRuntimeException.Unavailable("RegistryUnavailable", message),
            _ => ContainerRuntimeException.FailedPrecondition("RegistryRequestFailed", message),
        };
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw ContainerRuntimeException.InvalidArgument("ManifestTooLarge", $"response is larger than {limit} bytes");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public void Dispose()
    {
        _secure.Dispose();
        if (!ReferenceEquals(_insecure, _secure))
        {
            _insecure.Dispose();
        }
    }
}
