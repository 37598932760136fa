namespace PSContainer.Runtime.Logs;

/// <summary>
/// One line of a container's output as its log keeps it: when psc-shim read it, from which stream, and the text
/// without its line end. A line longer than <see cref="JsonLogWriter.MaxEntryBytes"/> was stored in several entries;
/// the reader joins them again.
/// </summary>
public sealed record LogEntry(DateTimeOffset Time, LogStream Stream, string Line)
{
    public override string ToString() => Line;
}
