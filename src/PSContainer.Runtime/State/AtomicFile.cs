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
        // FileShare.ReadWrite: .NET takes no flock for a handle opened for writing unless the share is None.
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(handle, content, fileOffset: 0);
    }

    /// <summary>fsyncs a directory so that a rename inside it survives a crash.</summary>
    /// <remarks>Best effort: the rename itself has happened either way.</remarks>
    public static void SyncDirectory(string path) => Linux.DirectorySync.TrySync(path);
}
