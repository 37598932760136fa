using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Content;

// The content store's roles, composed as containerd's content.go does.
//
// Lifecycle of a blob: a writer is opened for an expected descriptor (size and digest known up front);
// bytes are hashed as they are written to a private ingest file; Commit checks size and digest and only
// then renames the file into blobs/<alg>/<hex>. Until Commit succeeds the blob is invisible to
// IContentProvider and IContentManager. An interrupted ingest is kept and resumed by the next writer
// for the same digest; a committed blob is read-only and never changes.

/// <summary>Reads committed blobs.</summary>
public interface IContentProvider
{
    /// <summary>Opens a committed blob; NotFound when it is not in the store.</summary>
    Stream OpenRead(Digest digest);

    /// <summary>Size and time of a committed blob, or null when absent.</summary>
    ContentInfo? Info(Digest digest);
}

/// <summary>Writes new blobs.</summary>
public interface IContentIngester
{
    /// <summary>
    /// Opens the single writer for <paramref name="expected"/>, waiting while another process writes the
    /// same blob. Returns null when the blob is already committed (AlreadyExists is success).
    /// </summary>
    Task<ContentWriter?> OpenWriterAsync(Descriptor expected, CancellationToken cancellationToken);
}

/// <summary>Lists and deletes committed blobs.</summary>
public interface IContentManager
{
    IEnumerable<ContentInfo> List();

    /// <summary>Deletes a committed blob. Returns false when it was not there.</summary>
    bool Delete(Digest digest);

    /// <summary>
    /// Deletes ingests that no writer holds (their writer died; a live writer keeps its ingest's lock). Their bytes
    /// would only have served to resume the download. Returns how many were removed.
    /// </summary>
    int RemoveAbandonedIngests();
}

public interface IContentStore : IContentProvider, IContentIngester, IContentManager
{
}

/// <summary>A committed blob.</summary>
public sealed record ContentInfo(Digest Digest, long Size, DateTimeOffset Created);
