using System.Buffers;
using System.Security.Cryptography;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// A streaming reader of ustar / PAX / GNU tar that hashes every byte it pulls from the (uncompressed) stream, so
/// the DiffID is computed over exactly what the archive is — padding and the end-of-archive blocks included once
/// <see cref="DrainToEnd"/> has run — and stops with LayerTooLarge past the configured limit.
///
/// Why not System.Formats.Tar: TarReader decodes PAX values and names as UTF-8 strings, which loses bytes of
/// binary xattrs (security.capability has bytes ≥ 0x80 for many capabilities) and of non-UTF-8 file names. This
/// reader keeps both as raw bytes, reuses one <see cref="TarEntry"/>, and hands file data out as slices of its
/// own pooled buffer (no copy between the decompressor and write(2)).
/// </summary>
internal sealed partial class LayerTarReader : IDisposable
{
    private const int Block = 512;
    private const int BufferSize = 512 * 1024;
    private const int MaxSpecialSize = 1 << 20; // PAX and GNU long-name records (Go's archive/tar uses the same cap)

    private readonly Stream _stream;
    private readonly IncrementalHash _hash;
    private readonly long _limit;
    private readonly string _layer;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _position;
    private int _end;
    private bool _streamEnded;
    private long _remaining;
    private int _padding;

    // Records that apply to the next real header.
    private byte[]? _paxPath;
    private byte[]? _paxLink;
    private long? _paxSize;
    private uint? _paxUid;
    private uint? _paxGid;
    private (long, long)? _paxMtime;
    private readonly List<(byte[] Key, byte[] Value)> _paxXattrs = [];

    public LayerTarReader(Stream stream, string hashAlgorithm, long limit, string layer)
    {
        _stream = stream;
        _hash = Digest.CreateHash(hashAlgorithm);
        _limit = limit;
        _layer = layer;
    }

    public TarEntry Entry { get; } = new();

    /// <summary>Uncompressed bytes read so far.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Reads the next header; false at the end of the archive.</summary>
    public bool MoveNext()
    {
        SkipData();
        ClearPending();
        while (true)
        {
            if (!Fill(Block))
            {
                if (_end - _position == 0)
                {
                    return false; // EOF on a header boundary without end blocks: accepted, as Go's archive/tar does
                }
                throw LayerErrors.Corrupted(_layer, null, "truncated tar header");
            }
            var header = _buffer.AsSpan(_position, Block);
            _position += Block;
            if (!header.ContainsAnyExcept((byte)0))
            {
                return false; // end-of-archive block; DrainToEnd hashes the rest
            }
            VerifyChecksum(header);
            byte type = header[156];
            long size = ParseNumber(header.Slice(124, 12), "size");
            switch (type)
            {
                case (byte)'x':
                    ParsePax(ReadSpecial(size, "PAX header"));
                    continue;
                case (byte)'g': // global PAX headers are ignored, as containerd does
                case (byte)'V': // volume label
                    SkipSpecial(size);
                    continue;
                case (byte)'L':
                    _paxPath ??= TrimNul(ReadSpecial(size, "GNU long name"));
                    continue;
                case (byte)'K':
                    _paxLink ??= TrimNul(ReadSpecial(size, "GNU long link"));
                    continue;
            }
            FillEntry(header, type, size);
            return true;
        }
    }

    /// <summary>The next slice of the current entry's data (valid until the next call); empty when it is consumed.</summary>
    public ReadOnlySpan<byte> ReadData()
    {
        if (_remaining == 0)
        {
            return default;
        }
        if (_position == _end && !Fill(1))
        {
            throw LayerErrors.Corrupted(_layer, Entry.DisplayName, "tar data truncated");
        }
        int n = (int)Math.Min(_remaining, _end - _position);
        var data = _buffer.AsSpan(_position, n);
        _position += n;
        _remaining -= n;
        return data;
    }

    /// <summary>Reads (and hashes) everything left in the stream, then returns the digest of all of it.</summary>
    public byte[] DrainToEnd()
    {
        _position = _end;
        while (Fill(1))
        {
            _position = _end;
        }
        return _hash.GetHashAndReset();
    }

    public void Dispose()
    {
        _hash.Dispose();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void FillEntry(ReadOnlySpan<byte> header, byte type, long size)
    {
        var e = Entry;
        e.Reset();
        var name = Field(header.Slice(0, 100));
        bool posixUstar = header.Slice(257, 6).SequenceEqual("ustar\0"u8);
        var prefix = posixUstar ? Field(header.Slice(345, 155)) : default;
        if (_paxPath is not null)
        {
            e.SetName(_paxPath);
        }
        else if (!prefix.IsEmpty)
        {
            e.SetName(prefix, name);
        }
        else
        {
            e.SetName(name);
        }
        e.SetLink(_paxLink ?? Field(header.Slice(157, 100)));
        if (type == TarEntry.TypeRegularOld && e.Name.Length > 0 && e.Name[^1] == (byte)'/')
        {
            type = TarEntry.TypeDirectory; // pre-POSIX archives mark directories by a trailing slash only
        }
        e.Type = type;
        e.Mode = (uint)(ParseNumber(header.Slice(100, 8), "mode") & 0xFFF);
        e.Uid = _paxUid ?? ToId(ParseNumber(header.Slice(108, 8), "uid"));
        e.Gid = _paxGid ?? ToId(ParseNumber(header.Slice(116, 8), "gid"));
        (e.MtimeSeconds, e.MtimeNanoseconds) = _paxMtime ?? (ParseNumber(header.Slice(136, 12), "mtime"), 0);
        if (type is TarEntry.TypeChar or TarEntry.TypeBlock)
        {
            e.DevMajor = ToId(ParseNumber(header.Slice(329, 8), "devmajor"));
            e.DevMinor = ToId(ParseNumber(header.Slice(337, 8), "devminor"));
        }
        foreach (var x in _paxXattrs)
        {
            e.AddXattr(x.Key, x.Value);
        }
        size = _paxSize ?? size;
        // Header-only types carry no data whatever their size field says (Go's archive/tar reads them so too).
        bool hasData = e.IsRegular || type is not (TarEntry.TypeHardlink or TarEntry.TypeSymlink or TarEntry.TypeChar
            or TarEntry.TypeBlock or TarEntry.TypeDirectory or TarEntry.TypeFifo);
        e.Size = hasData ? size : 0;
        _remaining = e.Size;
        _padding = (int)((Block - (e.Size % Block)) % Block);
    }

    private void ParsePax(ReadOnlySpan<byte> records)
    {
        while (!records.IsEmpty)
        {
            int space = records.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(records[..space], out int length) || length <= space + 1 || length > records.Length
                || records[length - 1] != (byte)'\n')
            {
                throw LayerErrors.Corrupted(_layer, null, "malformed PAX record");
            }
            var record = records[(space + 1)..(length - 1)];
            records = records[length..];
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0)
            {
                throw LayerErrors.Corrupted(_layer, null, "malformed PAX record");
            }
            var key = record[..eq];
            var value = record[(eq + 1)..];
            if (key.SequenceEqual("path"u8))
            {
                _paxPath = value.ToArray();
            }
            else if (key.SequenceEqual("linkpath"u8))
            {
                _paxLink = value.ToArray();
            }
            else if (key.SequenceEqual("size"u8))
            {
                _paxSize = ParseDecimal(value, "size");
            }
            else if (key.SequenceEqual("uid"u8))
            {
                _paxUid = ToId(ParseDecimal(value, "uid"));
            }
            else if (key.SequenceEqual("gid"u8))
            {
                _paxGid = ToId(ParseDecimal(value, "gid"));
            }
            else if (key.SequenceEqual("mtime"u8))
            {
                _paxMtime = ParseTime(value);
            }
            else if (key.StartsWith("SCHILY.xattr."u8) && key.Length > 13)
            {
                byte[] name = new byte[key.Length - 13 + 1]; // NUL-terminated for setxattr
                key[13..].CopyTo(name);
                _paxXattrs.Add((name, value.ToArray()));
            }
            else if (key.StartsWith("GNU.sparse."u8))
            {
                throw LayerErrors.Invalid(LayerErrors.UnsupportedEntry, _layer, null, "GNU sparse files are not supported");
            }
        }
    }

    private ReadOnlySpan<byte> ReadSpecial(long size, string what)
    {
        if (size > MaxSpecialSize)
        {
            throw LayerErrors.Corrupted(_layer, null, $"{what} of {size} bytes is larger than {MaxSpecialSize}");
        }
        int padded = (int)((size + Block - 1) / Block * Block);
        if (!Fill(padded))
        {
            throw LayerErrors.Corrupted(_layer, null, $"truncated {what}");
        }
        var data = _buffer.AsSpan(_position, (int)size);
        _position += padded;
        return data;
    }

    private void SkipSpecial(long size)
    {
        _remaining = size;
        _padding = (int)((Block - (size % Block)) % Block);
        SkipData();
    }

    private void SkipData()
    {
        long skip = _remaining + _padding;
        _remaining = 0;
        _padding = 0;
        while (skip > 0)
        {
            if (_position == _end && !Fill(1))
            {
                throw LayerErrors.Corrupted(_layer, Entry.DisplayName, "tar data truncated");
            }
            int n = (int)Math.Min(skip, _end - _position);
            _position += n;
            skip -= n;
        }
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available in the buffer; false at end of stream.</summary>
    private bool Fill(int count)
    {
        if (_end - _position >= count)
        {
            return true;
        }
        if (_buffer.Length - _position < count)
        {
            // Compact: move the unread tail to the front (a header never straddles more than this).
            int unread = _end - _position;
            if (count > _buffer.Length)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(count);
                _buffer.AsSpan(_position, unread).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            else
            {
                _buffer.AsSpan(_position, unread).CopyTo(_buffer);
            }
            _position = 0;
            _end = unread;
        }
        if (_position == _end)
        {
            _position = _end = 0; // start at the front so reads are as large as possible
        }
        while (_end - _position < count && !_streamEnded)
        {
            int n;
            try
            {
                n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (Exception ex) when (ex is InvalidDataException or ZstdSharp.ZstdException)
            {
                throw LayerErrors.Corrupted(_layer, null, "invalid compressed data: " + ex.Message, ex);
            }
            if (n == 0)
            {
                _streamEnded = true;
                break;
            }
            _hash.AppendData(_buffer, _end, n);
            _end += n;
            TotalBytes += n;
            if (TotalBytes > _limit)
            {
                throw LayerErrors.DataLoss(LayerErrors.TooLarge, _layer, null,
                    $"more than {_limit} uncompressed bytes (the configured limit); refusing a possible decompression bomb");
            }
        }
        return _end - _position >= count;
    }

    private void VerifyChecksum(ReadOnlySpan<byte> header)
    {
        long stored = ParseNumber(header.Slice(148, 8), "checksum");
        long unsigned = 0, signed = 0;
        for (int i = 0; i < Block; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        if (stored != unsigned && stored != signed)
        {
            throw LayerErrors.Corrupted(_layer, null, "tar header checksum mismatch");
        }
    }

    private void ClearPending()
    {
        _paxPath = _paxLink = null;
        _paxSize = null;
        _paxUid = _paxGid = null;
        _paxMtime = null;
        _paxXattrs.Clear();
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }

    private static byte[] TrimNul(ReadOnlySpan<byte> data) => Field(data).ToArray();
}
