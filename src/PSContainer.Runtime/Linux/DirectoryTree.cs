using System.Buffers;
using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Whole-tree operations done only through descriptors: names are read with getdents64 as raw bytes and every
/// child is opened with O_NOFOLLOW relative to its parent's descriptor, so a symlink inside the tree is removed or
/// copied as a link and never followed out of it.
/// </summary>
public static unsafe class DirectoryTree
{
    private const int DirentBufferSize = 32 * 1024;

    /// <summary>Removes <paramref name="name"/> (NUL-terminated) under <paramref name="parent"/>, recursively; absent is fine.</summary>
    public static void RemoveAll(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        int rc = parent.TryUnlink(name, directory: false);
        if (rc == 0 || rc == Sys.ENOENT)
        {
            return;
        }
        if (rc != Sys.EISDIR)
        {
            throw new LinuxException(rc, "unlinkat", parent.DisplayPath + "/" + DirectoryFd.Show(name));
        }
        int fd = parent.TryOpenChildRaw(name, Sys.O_RDONLY | Sys.O_DIRECTORY, out int errno);
        if (fd < 0)
        {
            throw new LinuxException(errno, "openat", parent.DisplayPath + "/" + DirectoryFd.Show(name));
        }
        using (var directory = DirectoryFd.Adopt(fd, parent.DisplayPath + "/" + DirectoryFd.Show(name)))
        {
            RemoveContents(directory);
        }
        rc = parent.TryUnlink(name, directory: true);
        if (rc != 0 && rc != Sys.ENOENT)
        {
            throw new LinuxException(rc, "unlinkat", parent.DisplayPath + "/" + DirectoryFd.Show(name));
        }
    }

    /// <summary>Removes a directory tree given by a trusted absolute path; absent is fine.</summary>
    public static void RemoveAll(string path)
    {
        string full = System.IO.Path.GetFullPath(path).TrimEnd('/');
        string? parentPath = System.IO.Path.GetDirectoryName(full);
        if (parentPath is null || !Directory.Exists(parentPath))
        {
            return;
        }
        using var parent = DirectoryFd.Open(parentPath);
        RemoveAll(parent, DirectoryFd.Z(System.IO.Path.GetFileName(full)));
    }

    /// <summary>Removes everything inside a directory opened for reading (O_RDONLY|O_DIRECTORY).</summary>
    public static void RemoveContents(DirectoryFd directory)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DirentBufferSize);
        try
        {
            // Deleting while reading can make getdents skip entries on some filesystems, so read again from the
            // start until a pass finds nothing left.
            bool removedAny = true;
            while (removedAny)
            {
                removedAny = false;
                Sys.lseek(directory.Fd, 0, Sys.SEEK_SET);
                foreach (var (name, _) in new DirentReader(directory, buffer))
                {
                    removedAny = true;
                    RemoveAll(directory, name.Span); // unlinks, and recurses when the kernel says EISDIR
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Enumerates the entries of a readable directory descriptor (without "." and ".."), as NUL-terminated names
    /// copied out of the buffer (the buffer is refilled while enumerating, so the copies are what callers keep).
    /// </summary>
    public static IEnumerable<(ReadOnlyMemory<byte> Name, byte Type)> ReadEntries(DirectoryFd directory)
    {
        byte[] buffer = new byte[DirentBufferSize];
        foreach (var entry in new DirentReader(directory, buffer))
        {
            yield return entry;
        }
    }

    private readonly struct DirentReader(DirectoryFd directory, byte[] buffer)
    {
        public IEnumerator<(ReadOnlyMemory<byte> Name, byte Type)> GetEnumerator()
        {
            // Read one buffer at a time and hand out copies, so removal during enumeration is safe.
            while (true)
            {
                var batch = ReadBatch();
                if (batch.Count == 0)
                {
                    yield break;
                }
                foreach (var entry in batch)
                {
                    yield return entry;
                }
            }
        }

        private List<(ReadOnlyMemory<byte>, byte)> ReadBatch()
        {
            var result = new List<(ReadOnlyMemory<byte>, byte)>();
            nint n;
            fixed (byte* b = buffer)
            {
                n = Native.getdents64(directory.Fd, b, (nuint)buffer.Length);
            }
            if (n < 0)
            {
                throw LinuxException.FromLastError("getdents64", directory.DisplayPath);
            }
            int offset = 0;
            while (offset < n)
            {
                int recordLength = BitConverter.ToUInt16(buffer, offset + Native.Dirent64RecLenOffset);
                byte type = buffer[offset + Native.Dirent64TypeOffset];
                var nameArea = buffer.AsSpan(offset + Native.Dirent64NameOffset, recordLength - Native.Dirent64NameOffset);
                int length = nameArea.IndexOf((byte)0);
                var name = nameArea[..length];
                if (!(name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)))
                {
                    byte[] z = new byte[length + 1];
                    name.CopyTo(z);
                    result.Add((z, type));
                }
                offset += recordLength;
            }
            return result;
        }
    }
}
