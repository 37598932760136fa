using System.Management.Automation;
using System.Text;
using PSContainer.Commands.Progress;
using PSContainer.Runtime;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Process;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// An attached run, shared by Start-Container's two parameter sets: the container is started, its stdout lines go
/// to the pipeline as they come, its stderr lines are written like a native command's, the given input is its
/// stdin, and Ctrl+C kills it. Output travels through a bounded pump: a container that writes faster than the
/// pipeline reads is held back, never buffered whole.
/// </summary>
internal static class ContainerAttach
{
    private const int PendingLines = 1024;

    // input: pipeline input for its stdin, or null; interactive: without input, this process's stdin becomes the
    // container's (docker run -i).
    // terminal: the container has a pseudo-terminal (-Tty).
    public static ExitStatus Run(ContainerCmdletBase cmdlet, ContainerEngine engine, Container container, string? input, bool interactive,
        CancellationToken cancellationToken, PreparedLaunch? launch = null, bool terminal = false)
    {
        var pump = new PipelinePump(PendingLines);
        RunningContainer? started = null;
        try
        {
            return cmdlet.Run(pump, () => RelayAsync(cmdlet, engine, container, input, interactive, terminal, pump, r => started = r, launch, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The pipeline stopped taking output (Select-Object -First, an error downstream): like Ctrl+C, that ends
            // the container. The relay finishes on its own (dropping output) and the run is recorded as usual.
            Volatile.Read(ref started)?.Kill();
            throw;
        }
    }

    private static async Task<ExitStatus> RelayAsync(ContainerCmdletBase cmdlet, ContainerEngine engine, Container container, string? input,
        bool interactive, bool terminal, PipelinePump pump, Action<RunningContainer> onStarted, PreparedLaunch? launch, CancellationToken cancellationToken)
    {
        using var attached = await engine.Containers.StartAttachedAsync(container, cancellationToken, launch).ConfigureAwait(false);
        var running = attached.Running;
        onStarted(running);
        using var stop = cancellationToken.Register(running.Kill);
        await RelayStreamsAsync(cmdlet, pump, running.StandardInput, running.StandardOutput, running.StandardError, input, interactive, terminal).ConfigureAwait(false);
        return await engine.Containers.FinishAttachedAsync(attached, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A process's three streams, for Start-Container and Invoke-ContainerCommand alike: stdout lines to the pipeline,
    /// stderr lines as a native command's errors, the input (or, interactive, pwsh's own stdin) to stdin. Returns
    /// when both outputs have ended; the copy of an interactive stdin ends with them, not with the console's input.
    /// </summary>
    /// <remarks>
    /// With a pseudo-terminal (<paramref name="terminal"/>) and -Interactive at a terminal, this is docker run -it: the
    /// output goes to the screen byte for byte as it comes (a prompt has no newline; full-screen programs draw with
    /// escape sequences) and keys go to the container as typed. Otherwise its lines go to the pipeline as usual.
    /// </remarks>
    public static async Task RelayStreamsAsync(ContainerCmdletBase cmdlet, PipelinePump pump, Stream stdin, Stream stdout, Stream stderr,
        string? input, bool interactive, bool terminal = false)
    {
        using var outputEnded = new CancellationTokenSource();
        bool session = terminal && interactive && input is null && !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var feed = StreamRelay.FeedAsync(stdin, input, interactive, outputEnded.Token, terminal);
        var lines = session
            ? StreamRelay.RelayBytesAsync(stdout, Console.OpenStandardOutput())
            : StreamRelay.RelayLinesAsync(stdout, line => pump.Post(() => cmdlet.WriteObject(line)));
        var errors = StreamRelay.RelayLinesAsync(stderr, line => pump.Post(() => NativeErrorWriter.Write(cmdlet, line)));
        await Task.WhenAll(lines, errors).ConfigureAwait(false);
        outputEnded.Cancel();
        await feed.ConfigureAwait(false);
    }

    /// <summary>Sets $LASTEXITCODE, and reports a container that could not start as an error with its stable ErrorId.</summary>
    public static void Report(PSCmdlet cmdlet, Container container, ExitStatus status)
    {
        SetExitCode(cmdlet, status.ExitCode);
        if (ContainerStartException.IsStartFailure(status))
        {
            cmdlet.WriteError(ErrorMapping.ToErrorRecord(ContainerStartException.From(container.Name, status)));
        }
    }

    /// <summary>The container as it ended; for one removed meanwhile (-Remove), as it was, with how it ended.</summary>
    public static Container AsEnded(ContainerEngine engine, Container container, ExitStatus status) =>
        engine.Containers.Find(container.Id) ?? container with
        {
            Status = ContainerStatus.Exited,
            ExitCode = status.ExitCode,
            Error = status.Error,
            FinishedAt = status.FinishedAt,
            Pid = null,
            MonitorPid = null,
        };

    public static void SetExitCode(PSCmdlet cmdlet, int code) => cmdlet.SessionState.PSVariable.Set("global:LASTEXITCODE", code);
}
