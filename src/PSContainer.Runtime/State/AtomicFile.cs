using PSContainer.Runtime.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.State;

/// <summary>
/// Writes files so that readers see the old content or the new, never a mix: a temp name in the same directory,
/// then rename(2) over the target. A kill -9 at any point leaves the old file or the new one (at worst plus a
/// stray temp file). Stores that must survive a machine crash ask for <c>durable</c>: the data and the directory
/// are fsynced; the per-run records of a container skip that, since a machine crash ends their run anyway.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp-"
            + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Random.Shared.Next().ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(content);
                if (durable)
                {
                    stream.Flush(flushToDisk: true);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        if (durable)
        {
            SyncDirectory(directory);
        }
    }

    /// <summary>
    /// Writes a file in place, without the temp name and rename of <see cref="Write"/>, for a directory that no reader
    /// looks at yet: a container being created (its directory is a container only once container.json is written, last
    /// and with <see cref="Write"/>; a crash before that leaves a directory the garbage collection deletes) or a bundle
    /// nothing runs yet. On the start path of every container, where the rename's extra calls were measurable.
    /// </summary>
    public static void WriteUnpublished(string path, ReadOnlySpan<byte> content)
    {
        // open(2) with O_TRUNC rather than .NET's FileMode.Create, which opens without it and then calls ftruncate(0):
        // on ext4 a truncation to zero marks the file for allocation at close (auto_da_alloc), so every one of these
        // files got its disk blocks at once, and on a filesystem mounted with -o discard deleting them later waited
        // for one discard each (about 1 ms of every -Remove run here). The kernel truncates only a file that
        // existed; a new one keeps delayed allocation, and one deleted before writeback never touches the disk.
        using SafeFd file = SafeFd.Open(path, O_WRONLY | O_CREAT | O_TRUNC, 0x1b6); // 0666, less the umask
        if (!RawIo.WriteAll(file.Fd, content))
        {
            throw new IOException($"{path}: write failed");
        }
    }

    /// <summary>fsyncs a directory so that a rename inside it survives a crash.</summary>
    /// <remarks>Best effort: the rename itself has happened either way.</remarks>
    public static void SyncDirectory(string path) => Linux.DirectorySync.TrySync(path);
}
