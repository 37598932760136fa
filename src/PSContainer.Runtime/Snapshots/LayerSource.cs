using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>
/// A layer to unpack: its DiffID (digest of the uncompressed tar), its media type (which says the compression),
/// and a way to open the compressed bytes (normally a verified blob from the content store).
/// </summary>
public sealed record LayerSource(Digest DiffId, string MediaType, Func<Stream> OpenCompressed);
