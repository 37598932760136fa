using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// A repository at one working endpoint (a mirror or the registry itself): once a pull has resolved its
/// reference there, everything else is fetched by digest from the same place. <see cref="Actions"/> are what
/// tokens are asked for (<c>pull</c>, or <c>pull,push</c> for a push); <see cref="ExtraScopes"/> add others
/// (the source repository of a cross-repository mount).
/// </summary>
public sealed record RemoteRepository(RegistryEndpoint Endpoint, Uri BaseUri, string Path)
{
    public string Actions { get; init; } = "pull";

    public IReadOnlyList<string> ExtraScopes { get; init; } = [];

    public string Scope => "repository:" + Path + ":" + Actions;

    internal AuthScope AuthScope => new(BaseUri.Authority, Endpoint.Registry, Path, [Scope, .. ExtraScopes]);

    public Uri ManifestUri(string reference) => new(BaseUri, "v2/" + Path + "/manifests/" + reference);

    public Uri BlobUri(Digest digest) => new(BaseUri, "v2/" + Path + "/blobs/" + digest);

    public Uri UploadUri => new(BaseUri, "v2/" + Path + "/blobs/uploads/");

    /// <summary>Scheme and host only — never a URL with a token in it (containerd's sanitizedURL).</summary>
    public override string ToString() => BaseUri.GetLeftPart(UriPartial.Authority) + "/" + Path;
}
