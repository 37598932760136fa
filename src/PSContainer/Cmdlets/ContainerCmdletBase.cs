using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// The base of every PSContainer cmdlet: the engine for the current store root, a cancellation token that
/// Ctrl+C (StopProcessing) cancels, and the mapping of engine errors to ErrorRecords.
/// </summary>
public abstract class ContainerCmdletBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private ContainerEngine? _engine;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected ContainerEngine Engine => _engine ??= ContainerEngine.ForRoot();

    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Runs engine work off the pipeline thread while <paramref name="pump"/> carries its events back here.</summary>
    internal T Run<T>(PipelinePump pump, Func<Task<T>> work) => pump.Run(work);

    /// <summary>Writes a non-terminating error for an engine failure.</summary>
    protected void WriteEngineError(Exception exception, object? target = null) =>
        WriteError(ErrorMapping.ToErrorRecord(Unwrap(exception), target));

    /// <summary>Stops the cmdlet with a terminating error for an engine failure.</summary>
    protected void ThrowEngineError(Exception exception, object? target = null) =>
        ThrowTerminatingError(ErrorMapping.ToErrorRecord(Unwrap(exception), target));

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;

    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }
}
