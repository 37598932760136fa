using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Registry.Auth;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Registry;

/// <summary>
/// Header-level authentication behaviour (a fake handler plays registry, token server and CDN); the same flows run
/// end to end against the real registry and token server in the Pester tests.
/// </summary>
public class AuthorizationTests
{
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":2},\"layers\":[]}");

    private static readonly byte[] BlobBytes = Encoding.ASCII.GetBytes("layer bytes");

    private static readonly Descriptor Blob = new() { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(BlobBytes), Size = BlobBytes.Length };

    private sealed class Credentials(RegistryCredential? credential) : ICredentialSource
    {
        public List<(string Registry, string? Repository)> Asked { get; } = [];

        public RegistryCredential? Get(string registry, string? repository)
        {
            Asked.Add((registry, repository));
            return credential;
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static HttpResponseMessage Ok(byte[] content, string? mediaType = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) };
        if (mediaType is not null)
        {
            response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }
        return response;
    }

    private static HttpResponseMessage Challenge(string header)
    {
        var response = FakeRegistryHandler.Status(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ParseAdd(header);
        return response;
    }

    private static HttpResponseMessage Token(string token, int expiresIn = 300, string? refresh = null) =>
        new(HttpStatusCode.OK)
        {
            Content = new StringContent($"{{\"token\":\"{token}\",\"expires_in\":{expiresIn}{(refresh is null ? "" : $",\"refresh_token\":\"{refresh}\"")}}}"),
        };

    private static RemoteRepository Repository(string host = "reg.example", string path = "app") =>
        new(RegistryEndpoint.For(host, RegistryConfig.Empty, includeMirrors: false)[0], new Uri($"https://{host}/"), path);

    /// <summary>A registry that wants a bearer token "t-N" from auth.example, where N counts the tokens issued.</summary>
    private static FakeRegistryHandler BearerRegistry(Func<HttpRequestMessage, HttpResponseMessage?>? extra = null)
    {
        int issued = 0;
        var valid = new HashSet<string>();
        return new FakeRegistryHandler(request =>
        {
            if (extra?.Invoke(request) is { } answer)
            {
                return answer;
            }
            if (request.RequestUri!.Host == "auth.example")
            {
                string token = "t-" + Interlocked.Increment(ref issued);
                lock (valid)
                {
                    valid.Add(token);
                }
                return Token(token);
            }
            lock (valid)
            {
                if (request.Headers.Authorization is { Scheme: "Bearer" } auth && valid.Contains(auth.Parameter!))
                {
                    return request.RequestUri.AbsolutePath.Contains("/blobs/") ? Ok(BlobBytes) : Ok(Manifest, MediaTypes.OciManifest);
                }
            }
            return Challenge("Bearer realm=\"https://auth.example/token\",service=\"reg.example\",scope=\"repository:app:pull\"");
        });
    }

    [Fact]
    public async Task The_first_request_is_anonymous_and_the_challenge_is_answered_with_a_token_fetched_with_the_credentials()
    {
        var handler = BearerRegistry();
        var credentials = new Credentials(new RegistryCredential("alice", "s3cret"));
        using var client = new RegistryClient(RegistryConfig.Empty, handler, credentials);
        await client.ResolveAsync(ImageReference.Parse("reg.example/app:1"), default);

        Assert.Null(handler.Requests[0].Headers.Authorization);
        var tokenRequest = handler.Requests[1];
        Assert.Equal("auth.example", tokenRequest.RequestUri!.Host);
        Assert.Equal("Basic", tokenRequest.Headers.Authorization!.Scheme);
        Assert.Equal("alice:s3cret", Encoding.UTF8.GetString(Convert.FromBase64String(tokenRequest.Headers.Authorization.Parameter!)));
        Assert.Contains("account=alice", tokenRequest.RequestUri.Query);
        Assert.Contains("scope=repository%3Aapp%3Apull", tokenRequest.RequestUri.Query);
        Assert.Equal("Bearer t-1", handler.Requests[2].Headers.Authorization!.ToString());
        Assert.Contains(("reg.example", "app"), credentials.Asked);
    }

    [Fact]
    public async Task A_token_is_reused_until_it_expires_and_then_renewed_without_a_401()
    {
        var handler = BearerRegistry();
        var time = new ManualTime();
        using var client = new RegistryClient(RegistryConfig.Empty, handler, time: time);
        var repository = Repository();
        await client.FetchManifestAsync(repository, "1", default);
        await client.FetchManifestAsync(repository, "2", default);
        await client.FetchManifestAsync(repository, "3", default);
        Assert.Equal(1, client.Authorizer.TokensFetched);
        Assert.Equal(5, handler.Requests.Count); // anonymous GET (401), token, the same GET authorized, then two more GETs

        time.Now += TimeSpan.FromSeconds(301);
        int before = handler.Requests.Count;
        await client.FetchManifestAsync(repository, "4", default);
        Assert.Equal(2, client.Authorizer.TokensFetched);
        var after = handler.Requests.Skip(before).ToList();
        Assert.Equal(["auth.example", "reg.example"], after.Select(r => r.RequestUri!.Host));
        Assert.Equal("Bearer t-2", after[1].Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task A_token_the_registry_refuses_is_replaced_once()
    {
        bool refuseFirst = true;
        var handler = BearerRegistry(request =>
        {
            if (request.RequestUri!.Host == "reg.example" && request.Headers.Authorization?.Parameter == "t-1" && refuseFirst)
            {
                refuseFirst = false;
                return Challenge("Bearer realm=\"https://auth.example/token\",service=\"reg.example\"");
            }
            return null;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        await client.FetchManifestAsync(Repository(), "1", default);
        Assert.Equal(2, client.Authorizer.TokensFetched);
        Assert.Equal("Bearer t-2", handler.Requests[^1].Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task An_identity_token_is_exchanged_with_the_oauth2_refresh_token_grant()
    {
        string? form = null;
        var handler = BearerRegistry(request =>
        {
            if (request.RequestUri!.Host == "auth.example")
            {
                Assert.Equal(HttpMethod.Post, request.Method);
                Assert.Null(request.Headers.Authorization);
                form = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            }
            return null;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler, new Credentials(new RegistryCredential("alice", null, "refresh-123")));
        await client.FetchManifestAsync(Repository(), "1", default);
        Assert.NotNull(form);
        var fields = form!.Split('&').Select(Uri.UnescapeDataString).ToList();
        Assert.Contains("grant_type=refresh_token", fields);
        Assert.Contains("refresh_token=refresh-123", fields);
        Assert.Contains("service=reg.example", fields);
        Assert.Contains("scope=repository:app:pull", fields);
    }

    [Fact]
    public async Task Basic_challenges_get_the_stored_credentials_and_a_refusal_is_Unauthenticated()
    {
        var handler = new FakeRegistryHandler(request =>
            request.Headers.Authorization?.ToString() == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:right"))
                ? Ok(Manifest, MediaTypes.OciManifest)
                : Challenge("Basic realm=\"registry\""));
        using (var client = new RegistryClient(RegistryConfig.Empty, handler, new Credentials(new RegistryCredential("bob", "right"))))
        {
            await client.FetchManifestAsync(Repository(), "1", default);
        }
        using (var client = new RegistryClient(RegistryConfig.Empty, handler, new Credentials(new RegistryCredential("bob", "wrong"))))
        {
            var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => client.FetchManifestAsync(Repository(), "1", default));
            Assert.Equal(ErrorKind.Unauthenticated, error.Kind);
            Assert.Equal("RegistryUnauthorized", error.ErrorId);
            Assert.DoesNotContain("wrong", error.Message);
        }
        using (var client = new RegistryClient(RegistryConfig.Empty, handler))
        {
            var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => client.FetchManifestAsync(Repository(), "1", default));
            Assert.Equal(ErrorKind.Unauthenticated, error.Kind);
            Assert.Contains("Connect-ContainerRegistry", error.Message);
        }
    }

    [Fact]
    public async Task A_blob_redirected_to_another_host_is_fetched_there_without_Authorization()
    {
        var handler = BearerRegistry(request =>
        {
            if (request.RequestUri!.Host == "cdn.example")
            {
                return Ok(BlobBytes);
            }
            if (request.RequestUri.AbsolutePath.Contains("/blobs/") && request.Headers.Authorization is not null)
            {
                var redirect = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
                redirect.Headers.Location = new Uri("https://cdn.example/storage/blob?signature=abc");
                return redirect;
            }
            return null;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler, new Credentials(new RegistryCredential("alice", "s3cret")));
        var (stream, _) = await client.FetchBlobAsync(Repository(), Blob, 0, default);
        using (stream)
        {
            Assert.Equal(BlobBytes, ReadAll(stream));
        }
        var cdn = Assert.Single(handler.Requests, r => r.RequestUri!.Host == "cdn.example");
        Assert.Null(cdn.Headers.Authorization);
        Assert.Contains(handler.Requests, r => r.RequestUri!.Host == "reg.example" && r.Headers.Authorization is not null);
    }

    [Fact]
    public async Task A_redirect_within_the_registry_keeps_Authorization_and_the_range()
    {
        var handler = BearerRegistry(request =>
        {
            if (request.RequestUri!.AbsolutePath == "/v2/app/blobs/" + Blob.Digest && request.Headers.Authorization is not null)
            {
                var redirect = new HttpResponseMessage(HttpStatusCode.Found);
                redirect.Headers.Location = new Uri("/storage/blob", UriKind.Relative);
                return redirect;
            }
            if (request.RequestUri.AbsolutePath == "/storage/blob")
            {
                Assert.NotNull(request.Headers.Authorization);
                Assert.Equal("bytes=4-", request.Headers.Range!.ToString());
                var partial = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(BlobBytes[4..]) };
                partial.Content.Headers.ContentRange = new ContentRangeHeaderValue(4, BlobBytes.Length - 1, BlobBytes.Length);
                return partial;
            }
            return null;
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var (stream, resumed) = await client.FetchBlobAsync(Repository(), Blob, 4, default);
        using (stream)
        {
            Assert.True(resumed);
            Assert.Equal(BlobBytes[4..], ReadAll(stream));
        }
    }

    [Fact]
    public async Task A_layer_with_urls_is_fetched_from_them_without_Authorization_and_from_the_registry_when_they_fail()
    {
        var handler = BearerRegistry(request => request.RequestUri!.Host switch
        {
            "foreign.example" => Ok(BlobBytes),
            "broken.example" => FakeRegistryHandler.Status(HttpStatusCode.NotFound),
            _ => null,
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler, new Credentials(new RegistryCredential("alice", "s3cret")));
        var repository = Repository();
        await client.FetchManifestAsync(repository, "1", default); // the registry's challenge is known from here on

        var foreign = Blob with { MediaType = MediaTypes.OciLayerNonDistributableGzip, Urls = ["ftp://ignored.example/x", "https://foreign.example/layer.tgz"] };
        var (stream, _) = await client.FetchBlobAsync(repository, foreign, 0, default);
        using (stream)
        {
            Assert.Equal(BlobBytes, ReadAll(stream));
        }
        var request = Assert.Single(handler.Requests, q => q.RequestUri!.Host == "foreign.example");
        Assert.Null(request.Headers.Authorization);
        Assert.DoesNotContain(handler.Requests, q => q.RequestUri!.Host == "ignored.example");

        var broken = Blob with { Urls = ["https://broken.example/layer.tgz"] };
        var (fallback, _) = await client.FetchBlobAsync(repository, broken, 0, default);
        using (fallback)
        {
            Assert.Equal(BlobBytes, ReadAll(fallback));
        }
        Assert.Null(Assert.Single(handler.Requests, q => q.RequestUri!.Host == "broken.example").Headers.Authorization);
        Assert.Equal("reg.example", handler.Requests[^1].RequestUri!.Host);
    }

    [Fact]
    public async Task Too_many_requests_and_server_errors_are_retried()
    {
        int calls = 0;
        var handler = new FakeRegistryHandler(_ =>
        {
            calls++;
            if (calls == 1)
            {
                var limited = FakeRegistryHandler.Status(HttpStatusCode.TooManyRequests);
                limited.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.Zero);
                return limited;
            }
            return calls == 2 ? FakeRegistryHandler.Status(HttpStatusCode.BadGateway) : Ok(Manifest, MediaTypes.OciManifest);
        });
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        await client.FetchManifestAsync(Repository(), "1", default);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_registry_that_keeps_failing_gives_a_clear_Unavailable_error()
    {
        var handler = new FakeRegistryHandler(_ => FakeRegistryHandler.Status(HttpStatusCode.ServiceUnavailable));
        using var client = new RegistryClient(RegistryConfig.Empty, handler);
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => client.FetchManifestAsync(Repository(), "1", default));
        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.Equal("RegistryUnavailable", error.ErrorId);
        Assert.Contains("503", error.Message);
        Assert.Equal(4, handler.Requests.Count);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
