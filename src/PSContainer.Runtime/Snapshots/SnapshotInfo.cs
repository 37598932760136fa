using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Snapshots;

/// <summary>A committed snapshot: the ChainID it is named by, its parent, its directory and its unpacked size.</summary>
public sealed record SnapshotInfo(Digest ChainId, Digest? Parent, Digest DiffId, string Directory, long Size, DateTimeOffset Created);
