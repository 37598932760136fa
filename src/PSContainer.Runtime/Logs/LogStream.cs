namespace PSContainer.Runtime.Logs;

/// <summary>Which of the container's output streams a log line came from.</summary>
public enum LogStream
{
    Stdout,
    Stderr,
}
