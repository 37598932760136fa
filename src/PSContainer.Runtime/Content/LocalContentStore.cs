using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Content;

/// <summary>
/// A content-addressed blob store on the local file system:
/// <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c> for committed blobs and <c>ingest/&lt;alg&gt;-&lt;hex&gt;/</c>
/// (a flock-ed <c>lock</c> file and the partial <c>data</c>) for blobs being written.
/// Paths are built only from validated <see cref="Digest"/>s.
/// </summary>
public sealed class LocalContentStore : IContentStore
{
    private readonly string _root;

    public LocalContentStore(string root)
    {
        _root = root;
        Directory.CreateDirectory(Path.Combine(root, "blobs"));
        Directory.CreateDirectory(Path.Combine(root, "ingest"));
    }

    public string Root => _root;

    /// <summary>Where a committed blob lives (whether or not it exists).</summary>
    public string BlobPath(Digest digest) => Path.Combine(_root, "blobs", digest.Algorithm, digest.Encoded);

    private string IngestDirectory(Digest digest) => Path.Combine(_root, "ingest", digest.Algorithm + "-" + digest.Encoded);

    public Stream OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ContainerRuntimeException.NotFound("BlobNotFound", $"content {digest}: not found", digest);
        }
    }

    public ContentInfo? Info(Digest digest)
    {
        var file = new FileInfo(BlobPath(digest));
        return file.Exists ? new ContentInfo(digest, file.Length, file.LastWriteTimeUtc) : null;
    }

    public async Task<ContentWriter?> OpenWriterAsync(Descriptor expected, CancellationToken cancellationToken)
    {
        if (expected.Size < 0)
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidDescriptor", $"blob {expected.Digest}: negative size {expected.Size}", expected.Digest);
        }
        if (Info(expected.Digest) is { } existing && existing.Size == expected.Size)
        {
            return null;
        }
        string ingest = IngestDirectory(expected.Digest);
        Directory.CreateDirectory(ingest);
        var ingestLock = await FileLock.AcquireAsync(Path.Combine(ingest, "lock"), cancellationToken).ConfigureAwait(false);
        try
        {
            // Another process may have committed it while we waited for the lock.
            if (Info(expected.Digest) is { } committed && committed.Size == expected.Size)
            {
                ingestLock.Dispose();
                return null;
            }
            return new ContentWriter(expected, ingest, BlobPath(expected.Digest), ingestLock);
        }
        catch
        {
            ingestLock.Dispose();
            throw;
        }
    }

    public IEnumerable<ContentInfo> List()
    {
        string blobs = Path.Combine(_root, "blobs");
        foreach (var algorithmDirectory in new DirectoryInfo(blobs).EnumerateDirectories())
        {
            foreach (var file in algorithmDirectory.EnumerateFiles())
            {
                if (Digest.TryParse(algorithmDirectory.Name + ":" + file.Name, out var digest))
                {
                    yield return new ContentInfo(digest, file.Length, file.LastWriteTimeUtc);
                }
            }
        }
    }

    public int RemoveAbandonedIngests()
    {
        int removed = 0;
        foreach (string directory in Directory.EnumerateDirectories(Path.Combine(_root, "ingest")))
        {
            // Holding the lock while deleting: a writer that starts now waits, then finds no ingest and starts afresh.
            using var free = FileLock.TryAcquire(Path.Combine(directory, "lock"));
            if (free is null)
            {
                continue;
            }
            try
            {
                Directory.Delete(directory, recursive: true);
                removed++;
            }
            catch (IOException)
            {
            }
        }
        return removed;
    }

    public bool Delete(Digest digest)
    {
        string path = BlobPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }
}
