using System.Buffers;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Content;

/// <summary>Helpers over the content store roles (containerd's helpers.go).</summary>
public static class ContentHelpers
{
    /// <summary>
    /// Writes a blob from a stream and commits it; AlreadyExists is success. The stream must start at
    /// the writer's offset (0 for a fresh ingest), so this is for sources that cannot resume.
    /// </summary>
    public static async Task WriteBlobAsync(IContentIngester store, Descriptor expected, Stream source, CancellationToken cancellationToken)
    {
        using var writer = await store.OpenWriterAsync(expected, cancellationToken).ConfigureAwait(false);
        if (writer is null)
        {
            return;
        }
        writer.Reset();
        await CopyAsync(source, writer, null, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes bytes held in memory (manifests, configs) as a blob.</summary>
    public static Task WriteBlobAsync(IContentIngester store, Descriptor expected, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteBlobAsync(store, expected, new MemoryStream(content.ToArray(), writable: false), cancellationToken);

    /// <summary>Copies a stream into a writer with a pooled buffer, reporting the writer's offset.</summary>
    public static async Task CopyAsync(Stream source, ContentWriter writer, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                progress?.Report(writer.Offset);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a whole small blob (a manifest or config) into memory, refusing anything over <paramref name="limit"/>.</summary>
    public static byte[] ReadAllBytes(IContentProvider store, Reference.Digest digest, long limit = 4 << 20)
    {
        using var stream = store.OpenRead(digest);
        if (stream.Length > limit)
        {
            throw Errors.ContainerRuntimeException.InvalidArgument("BlobTooLarge", $"content {digest}: {stream.Length} bytes is more than {limit}", digest);
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
