using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry.Auth;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// A client of the OCI distribution API (distribution-spec spec.md): resolves a reference to a manifest at the first
/// endpoint that answers (mirrors first), fetches blobs by digest from there, and pushes (RegistryClient.Push.cs).
/// Requests are authorized through <see cref="RegistryAuthorizer"/>, redirects and retries are handled in
/// RegistryClient.Transport.cs, and TLS follows the configuration (certs.d CAs, insecure registries).
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    public const long ManifestSizeLimit = 4 << 20;
    private const string UserAgent = "PSContainer/0.1";
    private readonly RegistryConfig _config;
    private readonly HttpClient? _injected;
    private readonly ConcurrentDictionary<(string Authority, bool SkipVerify), HttpClient> _clients = new();
    private readonly RegistryAuthorizer _authorizer;

    /// <param name="config">Mirrors, insecure registries, certs.d directories.</param>
    /// <param name="handler">A handler for every request instead of real connections (tests of header-level behaviour).</param>
    /// <param name="credentials">Where credentials come from; anonymous when null.</param>
    /// <param name="time">The clock token lifetimes are measured with.</param>
    public RegistryClient(RegistryConfig config, HttpMessageHandler? handler = null, ICredentialSource? credentials = null, TimeProvider? time = null)
    {
        _config = config;
        if (handler is not null)
        {
            _injected = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            _injected.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        }
        Credentials = credentials ?? AnonymousCredentials.Instance;
        _authorizer = new RegistryAuthorizer(uri => ClientFor(uri, _config.IsInsecure(uri.Authority)), Credentials, time);
    }

    public RegistryConfig Config => _config;

    public ICredentialSource Credentials { get; }

    public RegistryAuthorizer Authorizer => _authorizer;

    /// <summary>The HTTP client for a host: its certs.d CAs and client certificates, or no verification at all.</summary>
    private HttpClient ClientFor(Uri uri, bool skipVerify)
    {
        if (_injected is not null)
        {
            return _injected;
        }
        return _clients.GetOrAdd((uri.Authority, skipVerify), key =>
        {
            var tls = RegistryTls.Load(key.Authority, _config.CertsDirectories);
            var handler = new SocketsHttpHandler
            {
                // Layers are compressed blobs with a digest: they must arrive byte for byte.
                AutomaticDecompression = DecompressionMethods.None,
                // Redirects are followed by SendFollowingRedirectsAsync, which decides where Authorization may go.
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(30),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            };
            handler.SslOptions.RemoteCertificateValidationCallback = tls.Validator(key.SkipVerify);
            if (tls.ClientCertificates.Count > 0)
            {
                handler.SslOptions.ClientCertificates = new System.Security.Cryptography.X509Certificates.X509CertificateCollection(tls.ClientCertificates.ToArray());
            }
            var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            return client;
        });
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
        using var response = await SendAsync(Context(repository, "ImageNotFound"), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, repository.ManifestUri(reference));
            foreach (string type in MediaTypes.ManifestAccept)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }
            return request;
        }, cancellationToken).ConfigureAwait(false);

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
    /// Opens a blob, from <paramref name="offset"/> when it is not zero. The boolean says whether the server honoured
    /// the range; if not, the stream starts at byte 0. A blob with <c>urls</c> (a foreign layer) is tried at those
    /// first — without any Authorization, since they are other hosts — and then at the registry.
    /// </summary>
    public async Task<(Stream Content, bool Resumed)> FetchBlobAsync(RemoteRepository repository, Descriptor blob, long offset, CancellationToken cancellationToken)
    {
        foreach (string url in blob.Urls ?? [])
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                continue;
            }
            try
            {
                var context = new RequestContext(null, _config.IsInsecure(uri.Authority), "BlobNotFound");
                return await OpenBlobAsync(context, uri, offset, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerRuntimeException e) when (e.Kind is ErrorKind.NotFound or ErrorKind.Unavailable or ErrorKind.FailedPrecondition or ErrorKind.PermissionDenied or ErrorKind.Unauthenticated)
            {
                // The next URL, and finally the registry itself, may have it.
            }
        }
        return await OpenBlobAsync(Context(repository, "BlobNotFound"), repository.BlobUri(blob.Digest), offset, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(Stream Content, bool Resumed)> OpenBlobAsync(RequestContext context, Uri uri, long offset, CancellationToken cancellationToken)
    {
        var response = await SendAsync(context, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }
            return request;
        }, cancellationToken).ConfigureAwait(false);
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
        _injected?.Dispose();
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
        _clients.Clear();
    }
}
