using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// A repository at one working endpoint (a mirror or the registry itself): once a pull has resolved its
/// reference there, everything else is fetched by digest from the same place.
/// </summary>
public sealed record RemoteRepository(RegistryEndpoint Endpoint, Uri BaseUri, string Path)
{
    public string Scope => "repository:" + Path + ":pull";

    public Uri ManifestUri(string reference) => new(BaseUri, "v2/" + Path + "/manifests/" + reference);

    public Uri BlobUri(Digest digest) => new(BaseUri, "v2/" + Path + "/blobs/" + digest);

    /// <summary>Scheme and host only — never a URL with a token in it (containerd's sanitizedURL).</summary>
    public override string ToString() => BaseUri.GetLeftPart(UriPartial.Authority) + "/" + Path;
}

/// <summary>A manifest or index as the registry sent it, with the digest of exactly those bytes.</summary>
public sealed record ManifestResponse(byte[] Content, string MediaType, Digest Digest);
