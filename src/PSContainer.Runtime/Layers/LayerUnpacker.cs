using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// Applies one layer (an uncompressed or compressed tar stream) to a directory, entry by entry, following the OCI
/// image-spec layer rules (layer.md), while hashing the uncompressed bytes for the DiffID check.
///
/// Order of work, and why: every entry is applied as it is read (nothing is buffered beyond one read); at the end of
/// the archive the directories' mtimes are set (creating their children changed them); then the rest of the
/// stream — end-of-archive blocks, record padding, and the compressor's trailer (the gzip CRC is checked there) — is
/// read and hashed, and only then is the digest compared. A mismatch throws DataLoss: the caller must discard the
/// directory, which is why unpacking only ever happens into a private <c>new-*</c> directory.
///
/// Refusals (all <see cref="Errors.ContainerRuntimeException"/>, ErrorIds in <see cref="LayerErrors"/>) leave the
/// target directory partly written; nothing outside it is ever created, changed or followed.
/// </summary>
public sealed class LayerUnpacker
{
    public LayerUnpacker(LayerUnpackOptions? options = null)
    {
        Options = options ?? new LayerUnpackOptions();
    }

    public LayerUnpackOptions Options { get; }

    /// <summary>
    /// Unpacks an uncompressed tar stream into <paramref name="directory"/> (which must exist). When
    /// <paramref name="expectedDiffId"/> is given, the stream must hash to it (with its algorithm). 
    /// <paramref name="layerName"/> (usually the layer digest) is used in messages.
    /// </summary>
    public LayerUnpackResult Unpack(Stream tar, string directory, Digest? expectedDiffId, string layerName, CancellationToken cancellationToken = default)
    {
        string algorithm = expectedDiffId?.Algorithm ?? Digest.Sha256;
        using var reader = new LayerTarReader(tar, algorithm, Options.MaxUncompressedBytes, layerName);
        long entries = 0;
        using (var writer = new LayerTreeWriter(directory, Options, layerName))
        {
            while (reader.MoveNext())
            {
                if ((entries++ & 63) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                writer.Apply(reader.Entry, reader);
            }
            writer.Finish();
        }
        cancellationToken.ThrowIfCancellationRequested();
        var diffId = Digest.FromHash(algorithm, reader.DrainToEnd());
        if (expectedDiffId is { } expected && diffId != expected)
        {
            throw LayerErrors.DataLoss(LayerErrors.DiffIdMismatch, layerName, null,
                $"uncompressed content has digest {diffId}, but the image config says DiffID {expected}");
        }
        return new LayerUnpackResult(diffId, reader.TotalBytes, entries);
    }

    /// <summary>Unpacks a compressed layer blob, choosing the decompressor by <paramref name="compression"/>.</summary>
    public LayerUnpackResult Unpack(Stream compressed, LayerCompression compression, string directory, Digest? expectedDiffId, string layerName,
        CancellationToken cancellationToken = default)
    {
        using var tar = Decompression.Open(compressed, compression);
        return Unpack(tar, directory, expectedDiffId, layerName, cancellationToken);
    }
}
