using PSContainer.Runtime.State;
using System.Security.Cryptography;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Content;

/// <summary>
/// Writes one blob into its ingest file while hashing it (containerd's local writer).
/// <see cref="Offset"/> tells how many bytes an earlier, interrupted attempt already left there, so a
/// download can resume with a Range request; <see cref="Reset"/> starts over when a server ignores it.
/// <see cref="CommitAsync"/> verifies and publishes the blob and always disposes the writer.
/// </summary>
public sealed class ContentWriter : IDisposable
{
    private readonly Descriptor _expected;
    private readonly string _ingestDirectory;
    private readonly string _blobPath;
    private readonly FileLock _lock;
    private FileStream _data;
    private IncrementalHash _hash;
    private bool _disposed;

    internal ContentWriter(Descriptor expected, string ingestDirectory, string blobPath, FileLock ingestLock)
    {
        _expected = expected;
        _ingestDirectory = ingestDirectory;
        _blobPath = blobPath;
        _lock = ingestLock;
        _hash = expected.Digest.CreateHash();
        _data = new FileStream(DataPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        Offset = RehashExisting();
    }

    public Descriptor Expected => _expected;

    /// <summary>Bytes written so far (including those resumed from an earlier attempt).</summary>
    public long Offset { get; private set; }

    private string DataPath => Path.Combine(_ingestDirectory, "data");

    /// <summary>Restores the hash state from bytes an interrupted writer left behind.</summary>
    private long RehashExisting()
    {
        long length = _data.Length;
        if (length > _expected.Size)
        {
            // More than the blob can hold: the leftover is garbage.
            _data.SetLength(0);
            return 0;
        }
        if (length == 0)
        {
            return 0;
        }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            _data.Position = 0;
            int read;
            while ((read = _data.Read(buffer, 0, buffer.Length)) > 0)
            {
                _hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return length;
    }

    /// <summary>Discards what was written so far.</summary>
    public void Reset()
    {
        _data.SetLength(0);
        _data.Position = 0;
        _hash.Dispose();
        _hash = _expected.Digest.CreateHash();
        Offset = 0;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (Offset + buffer.Length > _expected.Size)
        {
            // Whatever came before is suspect too: start the next attempt from nothing.
            Reset();
            throw ContainerRuntimeException.DataLoss("BlobSizeExceeded",
                $"blob {_expected.Digest}: more than the expected {_expected.Size} bytes", _expected.Digest);
        }
        _hash.AppendData(buffer.Span);
        await _data.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Offset += buffer.Length;
    }

    /// <summary>
    /// Verifies size and digest and publishes the blob: fsync, check, rename into blobs/, fsync the
    /// directory, make it read-only. A digest mismatch deletes the ingest so the next attempt starts clean.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _data.FlushAsync(cancellationToken).ConfigureAwait(false);
            _data.Flush(flushToDisk: true);
            if (Offset != _expected.Size)
            {
                throw ContainerRuntimeException.DataLoss("BlobSizeMismatch",
                    $"blob {_expected.Digest}: got {Offset} bytes, expected {_expected.Size}", _expected.Digest);
            }
            var actual = Reference.Digest.FromHash(_expected.Digest.Algorithm, _hash.GetHashAndReset());
            if (actual != _expected.Digest)
            {
                DiscardIngest();
                throw ContainerRuntimeException.DataLoss("BlobDigestMismatch",
                    $"blob {_expected.Digest}: content hashes to {actual}", _expected.Digest);
            }
            _data.Dispose();
            Directory.CreateDirectory(Path.GetDirectoryName(_blobPath)!);
            File.SetUnixFileMode(DataPath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            // rename(2) replaces atomically: a blob with this digest that appeared meanwhile has the same bytes.
            File.Move(DataPath, _blobPath, overwrite: true);
            AtomicFile.SyncDirectory(Path.GetDirectoryName(_blobPath)!);
            // The blob is published; what follows is bookkeeping, and the content store cannot roll back.
            TryDeleteIngest();
        }
        finally
        {
            Dispose();
        }
    }

    private void DiscardIngest()
    {
        _data.SetLength(0);
        TryDeleteIngest();
    }

    private void TryDeleteIngest()
    {
        try
        {
            if (File.Exists(DataPath))
            {
                File.Delete(DataPath);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Closes the writer; an uncommitted ingest stays on disk for a later resume.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _data.Dispose();
        _hash.Dispose();
        _lock.Dispose();
    }
}
