using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Layers;

/// <summary>What an unpack produced: the DiffID computed over the whole uncompressed stream, its size, the entry count.</summary>
public sealed record LayerUnpackResult(Digest DiffId, long UncompressedSize, long Entries);
