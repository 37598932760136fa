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

    /// <summary>fsyncs a directory so that a rename inside it survives a crash.</summary>
    /// <remarks>Best effort: the rename itself has happened either way.</remarks>
    public static void SyncDirectory(string path) => Linux.DirectorySync.TrySync(path);
}
