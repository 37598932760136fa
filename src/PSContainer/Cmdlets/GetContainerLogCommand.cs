using System.Globalization;
using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Logs;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Gets the output of containers (docker logs).</para>
/// <para type="description">Every container's stdout and stderr are logged, attached runs and detached ones alike,
/// every run of it in turn. The log is replayed the way the attached run showed it: stdout lines as strings on the
/// output stream, stderr lines like a native command's stderr (2>&amp;1 merges them, 2>$null drops them, and they never
/// stop a script). -AsObject writes LogEntry objects instead (Time, Stream, Line), to filter and group. -Follow keeps
/// writing new lines until the container is no longer running; -Tail keeps only the last lines, -Since and -Until a
/// time window, and -Timestamps puts each line's time (RFC 3339, UTC) in front of it.</para>
/// </summary>
/// <example><code>Get-ContainerLog web -Tail 20</code></example>
/// <example><code>Get-ContainerLog web -Follow 2>&amp;1 | Select-String error</code></example>
/// <example><code>Get-ContainerLog web -AsObject -Since (Get-Date).AddMinutes(-5) | Where-Object Stream -eq Stderr</code></example>
[Cmdlet(VerbsCommon.Get, "ContainerLog", DefaultParameterSetName = NameSet)]
[OutputType(typeof(string), typeof(LogEntry))]
public sealed class GetContainerLogCommand : ContainerTargetCommandBase
{
    private const int PendingLines = 1024;

    /// <summary>Keeps writing new lines as the container produces them, until it stops.</summary>
    [Parameter]
    [Alias("f")]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only the last this many lines.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>Only lines written at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only lines written before this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Puts each line's time in front of it (strings only).</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

    /// <summary>Writes LogEntry objects (Time, Stream, Line) instead of strings and stderr records.</summary>
    [Parameter]
    public SwitchParameter AsObject { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        var options = new LogReadOptions
        {
            Follow = Follow,
            Tail = Tail,
            Since = Since is { } since ? new DateTimeOffset(since.ToUniversalTime()) : null,
            Until = Until is { } until ? new DateTimeOffset(until.ToUniversalTime()) : null,
        };
        var pump = new PipelinePump(PendingLines);
        // Cancelled when this record is done, whichever way: a pipeline that stops taking lines (Select-Object
        // -First) must not leave a reader following the log in the background.
        using var done = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        try
        {
            Run(pump, async () =>
            {
                await foreach (var entry in Engine.Containers.ReadLogAsync(container, options, done.Token).ConfigureAwait(false))
                {
                    pump.Post(() => Write(entry));
                }
                return true;
            });
        }
        finally
        {
            done.Cancel();
        }
    });

    private void Write(LogEntry entry)
    {
        if (AsObject)
        {
            WriteObject(entry);
            return;
        }
        string line = Timestamps
            ? entry.Time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'", CultureInfo.InvariantCulture) + " " + entry.Line
            : entry.Line;
        if (entry.Stream == LogStream.Stderr)
        {
            NativeErrorWriter.Write(this, line);
        }
        else
        {
            WriteObject(line);
        }
    }
}
