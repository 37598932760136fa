namespace PSContainer.Runtime.Logs;

/// <summary>Which part of a log to read (docker logs' options).</summary>
public sealed record LogReadOptions
{
    /// <summary>Only the last this many lines (of both streams together); all when null.</summary>
    public int? Tail { get; init; }

    /// <summary>Only lines written at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only lines written before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Keep reading new lines until the container has stopped and its log is read to the end.</summary>
    public bool Follow { get; init; }
}
