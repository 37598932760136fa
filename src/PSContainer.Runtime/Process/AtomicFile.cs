namespace PSContainer.Runtime.Process;

/// <summary>Writes a small file so that readers see the old content or the new, never a mix.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes to a temp name in the same directory and renames it over <paramref name="path"/>. A kill -9 at
    /// any point leaves either the old file or the new one (plus, at worst, a stray temp file). There is no
    /// fsync: these are the records of one run of a process tree that a machine crash ends anyway, and an
    /// fsync would cost milliseconds on the container's start path.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (FileStream stream = new(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            stream.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }
}
