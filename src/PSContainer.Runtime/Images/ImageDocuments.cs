using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Reads manifests, indexes and configs from the content store. Blobs are immutable, so the parsed
/// documents are cached in memory by digest for as long as they are used.
/// </summary>
public sealed class ImageDocuments
{
    private readonly IContentProvider _content;
    private readonly IMemoryCache _cache;

    public ImageDocuments(IContentProvider content, IMemoryCache cache)
    {
        _content = content;
        _cache = cache;
    }

    public ImageManifest Manifest(Digest digest) => Read(digest, SpecJsonContext.Default.ImageManifest);

    public ImageIndex Index(Digest digest) => Read(digest, SpecJsonContext.Default.ImageIndex);

    public ImageConfig Config(Digest digest) => Read(digest, SpecJsonContext.Default.ImageConfig);

    private T Read<T>(Digest digest, JsonTypeInfo<T> type) where T : class
    {
        return _cache.GetOrCreate((typeof(T), digest), entry =>
        {
            entry.SlidingExpiration = TimeSpan.FromMinutes(10);
            entry.Size = 1;
            return Parse(ContentHelpers.ReadAllBytes(_content, digest), type, digest.ToString());
        })!;
    }

    /// <summary>Parses a JSON document, reporting bad JSON as DataLoss naming the digest.</summary>
    public static T Parse<T>(byte[] bytes, JsonTypeInfo<T> type, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type)
                ?? throw ContainerRuntimeException.DataLoss("DocumentInvalid", $"{what}: empty document");
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.DataLoss, "DocumentInvalid", $"{what}: invalid {typeof(T).Name}: {e.Message}", e) { Target = what };
        }
    }
}
