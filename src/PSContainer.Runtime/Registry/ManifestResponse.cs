using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Registry;

/// <summary>A manifest or index as the registry sent it, with the digest of exactly those bytes.</summary>
public sealed record ManifestResponse(byte[] Content, string MediaType, Digest Digest);
