using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// fsync(2) of a directory, which makes a rename inside it durable. .NET cannot do this itself: it refuses to
/// open a directory as a file.
/// </summary>
public static class DirectorySync
{
    /// <summary>fsyncs <paramref name="path"/>; false (never an exception) when that cannot be done.</summary>
    public static unsafe bool TrySync(string path)
    {
        byte[] name = NativeStrings.Utf8z(path);
        int fd;
        fixed (byte* p = name)
        {
            fd = Sys.open(p, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC);
        }
        if (fd < 0)
        {
            return false;
        }
        bool synced = Sys.fsync(fd) == 0;
        Sys.close(fd);
        return synced;
    }
}
