using System.IO.Compression;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Registry;

namespace PSContainer.Runtime.Images.Archives;

/// <summary>
/// Read access to the members of an image archive by name: a directory (an OCI layout), or a tar file indexed once
/// (<see cref="TarIndex"/>) whose members are then read straight from the file. A gzip- or zstd-compressed tar
/// (<c>docker save | gzip</c>) is first decompressed to a temporary file, since members are read out of order.
/// </summary>
internal abstract class ArchiveSource : IDisposable
{
    public abstract string Description { get; }

    public abstract bool Exists(string name);

    /// <summary>The size of a member; ImageArchiveInvalid when it is missing.</summary>
    public abstract long SizeOf(string name);

    /// <summary>Opens a member for reading.</summary>
    public abstract Stream Open(string name);

    public byte[] ReadAll(string name, long limit = 16 << 20)
    {
        long size = SizeOf(name);
        if (size > limit)
        {
            throw TarIndex.Invalid(Description, $"{name} is larger than {limit} bytes");
        }
        using var stream = Open(name);
        var bytes = new byte[size];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public virtual void Dispose()
    {
    }

    /// <summary>Opens a directory or a (possibly compressed) tar file; <paramref name="temporary"/> holds a decompressed copy.</summary>
    public static ArchiveSource Open(string path, string temporary)
    {
        if (Directory.Exists(path))
        {
            return new DirectoryArchive(path);
        }
        if (!File.Exists(path))
        {
            throw ContainerRuntimeException.NotFound("ImageArchiveNotFound", $"image archive {path}: no such file or directory", path);
        }
        Span<byte> magic = stackalloc byte[6];
        int read;
        using (var probe = File.OpenRead(path))
        {
            read = probe.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        }
        var compression = read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b ? "gzip"
            : read >= 4 && magic[..4].SequenceEqual(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }) ? "zstd"
            : read >= 6 && magic.SequenceEqual(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }) ? "xz"
            : read >= 3 && magic[..3].SequenceEqual("BZh"u8) ? "bzip2"
            : null;
        if (compression is "xz" or "bzip2")
        {
            throw ContainerRuntimeException.InvalidArgument("ImageArchiveCompressionUnsupported",
                $"image archive {path}: {compression} compression is not supported (gzip and zstd are); decompress it first", path);
        }
        if (compression is null)
        {
            return new TarArchive(path, File.OpenRead(path), null);
        }
        Directory.CreateDirectory(temporary);
        string copy = Path.Combine(temporary, "archive-" + Guid.NewGuid().ToString("N") + ".tar");
        try
        {
            using (var source = File.OpenRead(path))
            using (Stream decompressed = compression == "gzip" ? new GZipStream(source, CompressionMode.Decompress) : new ZstdSharp.DecompressionStream(source))
            using (var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                decompressed.CopyTo(target, 1 << 17);
            }
            return new TarArchive(path, File.OpenRead(copy), copy);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException || (e is IOException && e is not FileNotFoundException))
        {
            File.Delete(copy);
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "ImageArchiveInvalid", $"image archive {path}: {compression} stream is damaged: {e.Message}", e) { Target = path };
        }
    }

    private sealed class DirectoryArchive(string root) : ArchiveSource
    {
        public override string Description => root;

        private string PathOf(string name)
        {
            string? clean = TarIndex.Clean(name);
            if (clean is null || clean.Length == 0)
            {
                throw TarIndex.Invalid(root, $"member \"{name}\" leaves the layout");
            }
            return Path.Combine(root, clean);
        }

        public override bool Exists(string name) => File.Exists(PathOf(name));

        public override long SizeOf(string name)
        {
            var info = new FileInfo(PathOf(name));
            return info.Exists ? info.Length : throw TarIndex.Invalid(root, $"{name} is missing");
        }

        public override Stream Open(string name) => Exists(name)
            ? new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan)
            : throw TarIndex.Invalid(root, $"{name} is missing");
    }

    private sealed class TarArchive : ArchiveSource
    {
        private readonly string _path;
        private readonly FileStream _file;
        private readonly string? _temporaryCopy;
        private readonly IReadOnlyDictionary<string, TarMember> _members;

        public TarArchive(string path, FileStream file, string? temporaryCopy)
        {
            _path = path;
            _file = file;
            _temporaryCopy = temporaryCopy;
            try
            {
                _members = TarIndex.Read(file, path);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public override string Description => _path;

        /// <summary>The member a name leads to, following symlinks and hardlinks inside the archive (old docker saves link duplicate layers).</summary>
        private TarMember? Resolve(string name)
        {
            string? current = TarIndex.Clean(name);
            for (int hops = 0; current is not null && hops < 16; hops++)
            {
                if (!_members.TryGetValue(current, out var member))
                {
                    return null;
                }
                if (member.IsFile)
                {
                    return member;
                }
                if (member.LinkName is null || !(member.IsSymlink || member.IsHardlink))
                {
                    return null;
                }
                string directory = member.IsSymlink && current.Contains('/') ? current[..current.LastIndexOf('/')] + "/" : "";
                current = Normalize(member.IsSymlink && !member.LinkName.StartsWith('/') ? directory + member.LinkName : member.LinkName);
            }
            return null;
        }

        /// <summary>A link target as a member name: <c>..</c> steps back a directory, but never out of the archive.</summary>
        private static string? Normalize(string path)
        {
            var parts = new List<string>();
            foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "..")
                {
                    if (parts.Count == 0)
                    {
                        return null;
                    }
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (part != ".")
                {
                    parts.Add(part);
                }
            }
            return string.Join('/', parts);
        }

        public override bool Exists(string name) => Resolve(name) is not null;

        public override long SizeOf(string name) => (Resolve(name) ?? throw TarIndex.Invalid(_path, $"{name} is missing")).Size;

        public override Stream Open(string name)
        {
            var member = Resolve(name) ?? throw TarIndex.Invalid(_path, $"{name} is missing");
            var stream = new FileStream(_file.Name, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            stream.Position = member.Offset;
            return new BoundedStream(stream, member.Size);
        }

        public override void Dispose()
        {
            _file.Dispose();
            if (_temporaryCopy is not null)
            {
                File.Delete(_temporaryCopy);
            }
        }
    }
}
