using Microsoft.Extensions.Primitives;
using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Images;

/// <summary>
/// A change token that fires when a file is no longer the file it was: its inode, size or modification time
/// (nanoseconds) differ, or it appeared or vanished. Files of the store are replaced by rename, so every write by any
/// process gives a new inode. Polled: <see cref="IMemoryCache"/> checks <see cref="HasChanged"/> on every lookup,
/// which costs one fstatat.
/// </summary>
internal sealed class FileStampChangeToken : IChangeToken
{
    private readonly string _directory;
    private readonly byte[] _name;
    private readonly (ulong Inode, long Size, long Seconds, long Nanoseconds)? _stamp;

    private FileStampChangeToken(string directory, byte[] name, (ulong, long, long, long)? stamp)
    {
        _directory = directory;
        _name = name;
        _stamp = stamp;
    }

    public static FileStampChangeToken For(string directory, string fileName)
    {
        byte[] name = DirectoryFd.Z(fileName);
        return new FileStampChangeToken(directory, name, Stamp(directory, name));
    }

    public bool HasChanged => Stamp(_directory, _name) != _stamp;

    public bool ActiveChangeCallbacks => false;

    public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => EmptyDisposable.Instance;

    private static (ulong, long, long, long)? Stamp(string directory, byte[] name)
    {
        using var fd = DirectoryFd.Open(directory);
        if (fd.TryStat(name, out var st) != 0)
        {
            return null;
        }
        return ((ulong)st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();

        public void Dispose()
        {
        }
    }
}
