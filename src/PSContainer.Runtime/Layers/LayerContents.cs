using System.Security.Cryptography;
using System.Text;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// Lists a layer's entries without unpacking it, streaming through the same tar reader and the same name rules
/// as <see cref="LayerUnpacker"/>: paths are cleaned the same way, and a name the unpacker would refuse is refused
/// here with the same ErrorId. Nothing but the current entry is held in memory.
/// </summary>
public static class LayerContents
{
    /// <summary>
    /// The entries of a layer blob, in archive order. With <paramref name="expectedDiffId"/>, the uncompressed stream
    /// is checked against it once the last entry has been read (LayerDiffIdMismatch). With
    /// <paramref name="hashContent"/>, each regular file gets its content's sha256 (costs a pass over the data,
    /// which is otherwise skipped).
    /// </summary>
    public static IEnumerable<LayerEntry> Read(Stream compressed, string mediaType, string layer, int? layerIndex = null,
        Digest? expectedDiffId = null, bool hashContent = false, LayerUnpackOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        long limit = (options ?? new LayerUnpackOptions()).MaxUncompressedBytes;
        string algorithm = expectedDiffId?.Algorithm ?? Digest.Sha256;
        using var tar = Decompression.Open(compressed, mediaType, layer);
        using var reader = new LayerTarReader(tar, algorithm, limit, layer);
        byte[] path = new byte[256];
        while (reader.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = ToEntry(reader, layer, layerIndex, ref path, hashContent);
            if (entry is not null)
            {
                yield return entry;
            }
        }
        var diffId = Digest.FromHash(algorithm, reader.DrainToEnd());
        if (expectedDiffId is { } expected && diffId != expected)
        {
            throw LayerErrors.DataLoss(LayerErrors.DiffIdMismatch, layer, null,
                $"uncompressed content has digest {diffId}, but the image config says DiffID {expected}");
        }
    }

    private static LayerEntry? ToEntry(LayerTarReader reader, string layer, int? layerIndex, ref byte[] buffer, bool hashContent)
    {
        var e = reader.Entry;
        string cleaned = Clean(e.Name, ref buffer, layer, e.DisplayName, LayerErrors.PathEscape);
        if (cleaned.Length == 0)
        {
            return e.Type == TarEntry.TypeDirectory
                ? null // the layer root's own entry: never applied (LayerUnpacker ignores it too)
                : throw LayerErrors.Invalid(LayerErrors.PathEscape, layer, e.DisplayName, "a non-directory cannot replace the layer root");
        }
        int slash = cleaned.LastIndexOf('/');
        string parent = slash < 0 ? "" : cleaned[..slash];
        string name = cleaned[(slash + 1)..];
        if (("/" + parent).Contains("/.wh.", StringComparison.Ordinal))
        {
            throw LayerErrors.Invalid(LayerErrors.InvalidWhiteout, layer, e.DisplayName, "path goes through a whiteout");
        }
        var type = TypeOf(e, layer);
        bool opaque = false;
        if (name.StartsWith(".wh.", StringComparison.Ordinal))
        {
            if (name == ".wh..wh..opq")
            {
                opaque = true;
                cleaned = parent;
            }
            else if (name.StartsWith(".wh..wh.", StringComparison.Ordinal))
            {
                return null; // other aufs metadata: never part of the result
            }
            else
            {
                string target = name[4..];
                if (target.Length == 0 || target is "." or "..")
                {
                    throw LayerErrors.Invalid(LayerErrors.InvalidWhiteout, layer, e.DisplayName, "whiteout without a valid name");
                }
                cleaned = parent.Length == 0 ? target : parent + "/" + target;
            }
            type = LayerEntryType.Whiteout;
        }
        string? link = type switch
        {
            LayerEntryType.Symlink => Encoding.UTF8.GetString(e.Link),
            LayerEntryType.Hardlink => "/" + HardlinkTarget(e, ref buffer, layer),
            _ => null,
        };
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in e.Xattrs)
        {
            xattrs[Encoding.UTF8.GetString(key.AsSpan(0, key.Length - 1))] = value;
        }
        string? digest = null;
        if (hashContent && type == LayerEntryType.File)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ReadOnlySpan<byte> data;
            while (!(data = reader.ReadData()).IsEmpty)
            {
                hash.AppendData(data);
            }
            digest = Digest.FromHash(Digest.Sha256, hash.GetHashAndReset()).ToString();
        }
        return new LayerEntry
        {
            Layer = layer,
            LayerIndex = layerIndex,
            Path = "/" + cleaned,
            Type = type,
            Size = type == LayerEntryType.File ? e.Size : 0,
            Mode = (UnixFileMode)(e.Mode & 0xFFF),
            Uid = e.Uid,
            Gid = e.Gid,
            LinkTarget = link,
            Modified = DateTimeOffset.FromUnixTimeSeconds(e.MtimeSeconds).AddTicks(e.MtimeNanoseconds / 100),
            DeviceMajor = type is LayerEntryType.CharacterDevice or LayerEntryType.BlockDevice ? e.DevMajor : 0,
            DeviceMinor = type is LayerEntryType.CharacterDevice or LayerEntryType.BlockDevice ? e.DevMinor : 0,
            Opaque = opaque,
            Xattrs = xattrs,
            ContentDigest = digest,
        };
    }

    private static LayerEntryType TypeOf(TarEntry e, string layer) => e.Type switch
    {
        TarEntry.TypeRegular or TarEntry.TypeRegularOld or TarEntry.TypeContiguous => LayerEntryType.File,
        TarEntry.TypeDirectory => LayerEntryType.Directory,
        TarEntry.TypeSymlink => LayerEntryType.Symlink,
        TarEntry.TypeHardlink => LayerEntryType.Hardlink,
        TarEntry.TypeChar => LayerEntryType.CharacterDevice,
        TarEntry.TypeBlock => LayerEntryType.BlockDevice,
        TarEntry.TypeFifo => LayerEntryType.Fifo,
        _ => throw LayerErrors.Invalid(LayerErrors.UnsupportedEntry, layer, e.DisplayName, $"unsupported tar entry type '{(char)e.Type}'"),
    };

    private static string HardlinkTarget(TarEntry e, ref byte[] buffer, string layer)
    {
        string target = Clean(e.Link, ref buffer, layer, e.DisplayName, LayerErrors.HardlinkEscape);
        return target.Length > 0 ? target
            : throw LayerErrors.Invalid(LayerErrors.HardlinkEscape, layer, e.DisplayName, "hardlink to the layer root");
    }

    /// <summary>The cleaned name without a leading slash ("" for the root), or the refusal the unpacker would give.</summary>
    private static string Clean(ReadOnlySpan<byte> name, ref byte[] buffer, string layer, string entry, string escapeId)
    {
        if (buffer.Length < name.Length)
        {
            buffer = new byte[Math.Max(name.Length, buffer.Length * 2)];
        }
        int length = LayerPath.Clean(name, buffer);
        return length switch
        {
            LayerPath.HasNul => throw LayerErrors.Corrupted(layer, entry, "name contains a NUL byte"),
            LayerPath.Escapes => throw LayerErrors.Invalid(escapeId, layer, entry, "path leaves the layer directory"),
            _ => Encoding.UTF8.GetString(buffer, 0, length),
        };
    }
}
