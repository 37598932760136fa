using System.Net;
using System.Net.Http.Headers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Registry;

// The push side of the distribution API (spec.md "Push"): existence checks, cross-repository mounts, uploads in one
// piece or in chunks, manifests last.
public sealed partial class RegistryClient
{
    /// <summary>
    /// The repository a push goes to: the registry itself (mirrors are for pulls), at the first base URI that answers
    /// <c>GET /v2/</c> — which also learns the registry's authentication challenge and checks the credentials early.
    /// <paramref name="mountFrom"/> lists repositories blobs may be mounted from; their pull scope is requested too.
    /// </summary>
    public async Task<RemoteRepository> OpenForPushAsync(ImageReference reference, IEnumerable<string> mountFrom, CancellationToken cancellationToken)
    {
        var endpoint = RegistryEndpoint.For(reference.Domain, _config, includeMirrors: false)[0];
        ContainerRuntimeException? last = null;
        foreach (var baseUri in endpoint.BaseUris)
        {
            var repository = new RemoteRepository(endpoint, baseUri, reference.Path)
            {
                Actions = "pull,push",
                ExtraScopes = mountFrom.Where(p => p != reference.Path).Distinct().Select(p => "repository:" + p + ":pull").ToList(),
            };
            try
            {
                using var response = await SendAsync(Context(repository, "RegistryNotFound"), () => new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "v2/")), cancellationToken).ConfigureAwait(false);
                return repository;
            }
            catch (ContainerRuntimeException e) when (e.Kind == ErrorKind.Unavailable)
            {
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>HEAD of a blob: true when the repository already has it.</summary>
    public async Task<bool> BlobExistsAsync(RemoteRepository repository, Digest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(Context(repository, "BlobNotFound"),
            () => new HttpRequestMessage(HttpMethod.Head, repository.BlobUri(digest)), cancellationToken,
            status => status is HttpStatusCode.OK or HttpStatusCode.NotFound).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>
    /// Asks the registry to mount a blob from another repository it holds (no bytes travel). True when it did (201);
    /// false when it started an ordinary upload instead (202), whose location is returned for <see cref="UploadBlobAsync"/>.
    /// </summary>
    public async Task<(bool Mounted, Uri? Upload)> TryMountBlobAsync(RemoteRepository repository, Digest digest, string fromRepository, CancellationToken cancellationToken)
    {
        var uri = new Uri(repository.UploadUri, "?mount=" + Uri.EscapeDataString(digest.ToString()) + "&from=" + Uri.EscapeDataString(fromRepository));
        using var response = await SendAsync(Context(repository, "RegistryUploadFailed"),
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent([]) }, cancellationToken,
            status => status is HttpStatusCode.Created or HttpStatusCode.Accepted).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.Created ? (true, null) : (false, Location(repository, response));
    }

    /// <summary>
    /// Uploads a blob: <c>POST</c> to start (unless <paramref name="upload"/> is a session already started), then either
    /// one <c>PUT ?digest=</c> with the whole blob (monolithic, when it fits in <paramref name="chunkSize"/>), or
    /// <c>PATCH</c>es of <paramref name="chunkSize"/> bytes with <c>Content-Range</c> followed by an empty closing PUT.
    /// <paramref name="open"/> opens the blob at an offset (a new stream per request, so a retry can resend).
    /// </summary>
    public async Task UploadBlobAsync(RemoteRepository repository, Descriptor blob, Func<long, Stream> open, long chunkSize, Uri? upload, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var context = Context(repository, "RegistryUploadFailed");
        if (upload is null)
        {
            using var started = await SendAsync(context, () => new HttpRequestMessage(HttpMethod.Post, repository.UploadUri) { Content = new ByteArrayContent([]) },
                cancellationToken, status => status == HttpStatusCode.Accepted).ConfigureAwait(false);
            upload = Location(repository, started);
        }
        HttpContent Body(long offset, long length)
        {
            var content = new StreamContent(new BoundedStream(open(offset), length), 1 << 17);
            content.Headers.ContentLength = length;
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return content;
        }

        if (blob.Size > chunkSize)
        {
            for (long offset = 0; offset < blob.Size;)
            {
                long length = Math.Min(chunkSize, blob.Size - offset);
                var target = upload;
                long start = offset;
                using var patched = await SendAsync(context, () =>
                {
                    var content = Body(start, length);
                    // The distribution spec's form, "<first>-<last>" without a unit.
                    content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                    return new HttpRequestMessage(HttpMethod.Patch, target) { Content = content };
                }, cancellationToken, status => status == HttpStatusCode.Accepted).ConfigureAwait(false);
                upload = Location(repository, patched);
                offset += length;
                progress?.Report(offset);
            }
        }
        var close = WithQuery(upload, "digest=" + Uri.EscapeDataString(blob.Digest.ToString()));
        bool monolithic = blob.Size <= chunkSize;
        using var closed = await SendAsync(context, () => new HttpRequestMessage(HttpMethod.Put, close)
        {
            Content = monolithic ? Body(0, blob.Size) : new ByteArrayContent([]),
        }, cancellationToken, status => status is HttpStatusCode.Created or HttpStatusCode.NoContent).ConfigureAwait(false);
        CheckDigest(repository, closed, blob.Digest);
        progress?.Report(blob.Size);
    }

    /// <summary>PUT a manifest under a tag or digest; returns the digest the registry reports (which must be ours).</summary>
    public async Task<Digest> PutManifestAsync(RemoteRepository repository, string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(Context(repository, "RegistryNotFound"), () =>
        {
            var body = new ByteArrayContent(content);
            body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, repository.ManifestUri(reference)) { Content = body };
        }, cancellationToken, status => status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted).ConfigureAwait(false);
        var digest = Digest.Compute(content);
        CheckDigest(repository, response, digest);
        return digest;
    }

    private static void CheckDigest(RemoteRepository repository, HttpResponseMessage response, Digest expected)
    {
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } reported
            && Digest.TryParse(reported, out var digest) && digest != expected)
        {
            throw ContainerRuntimeException.DataLoss("PushDigestMismatch", $"{repository}: stored {expected} as {digest}", expected);
        }
    }

    /// <summary>The upload location the registry sent, absolute (it may be relative, and it carries the upload's state).</summary>
    private static Uri Location(RemoteRepository repository, HttpResponseMessage response)
    {
        var location = response.Headers.Location
            ?? throw ContainerRuntimeException.FailedPrecondition("RegistryUploadFailed", $"{repository}: {(int)response.StatusCode} without a Location header");
        return location.IsAbsoluteUri ? location : new Uri(repository.BaseUri, location);
    }

    private static Uri WithQuery(Uri uri, string parameter)
    {
        var builder = new UriBuilder(uri);
        string existing = builder.Query.TrimStart('?');
        builder.Query = existing.Length == 0 ? parameter : existing + "&" + parameter;
        return builder.Uri;
    }
}
