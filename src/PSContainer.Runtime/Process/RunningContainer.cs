using System.Text;
using PSContainer.Runtime.Linux;
using ShimProcess = System.Diagnostics.Process;

namespace PSContainer.Runtime.Process;

/// <summary>
/// A container started by <see cref="ContainerLauncher"/>: whether its command runs, its standard streams (attached
/// runs), its exit, and a way to kill it. The process behind it is psc-shim stage 1, which lives exactly as long
/// as the container (and, with --remove, until its directory is gone).
/// </summary>
public sealed class RunningContainer : IDisposable
{
    /// <summary>What stage 1 writes on its stdout once the payload has been exec'd, before any of the payload's output.</summary>
    internal static readonly byte[] StartedLine = "started\n"u8.ToArray();

    private readonly ShimProcess _shim;
    private readonly bool _detached;

    internal RunningContainer(ShimProcess shim, string bundleDirectory, bool detached)
    {
        _shim = shim;
        BundleDirectory = bundleDirectory;
        _detached = detached;
    }

    public string BundleDirectory { get; }

    /// <summary>psc-shim stage 1 (the monitor), in this PID namespace.</summary>
    public int ShimProcessId => _shim.Id;

    /// <summary>True when the container's command was exec'd; false when the container could not be started (see <see cref="WaitForExitAsync"/>).</summary>
    public bool Started { get; private set; }

    /// <summary>The container's stdin. Dispose it to give the container end-of-file. Attached runs only.</summary>
    public Stream StandardInput => Attached(_shim.StandardInput.BaseStream);

    public Stream StandardOutput => Attached(_shim.StandardOutput.BaseStream);

    public Stream StandardError => Attached(_shim.StandardError.BaseStream);

    /// <summary>
    /// Waits for the container to end and returns its status from exit.json. If the shim died without writing
    /// it (it was killed, say), the status is the shim's own exit code. A detached container that started is not
    /// this process's to wait for in this way (see Containers.ContainerWaiter).
    /// </summary>
    public async Task<ExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        if (_detached && Started)
        {
            throw new InvalidOperationException("a detached container is waited for through its state, not its shim process");
        }

        // Recorded already: an attached shim lets go of its output pipes once exit.json is written, so the caller,
        // which has read them to the end, need not wait for the process to be torn down (WaitForShimExitAsync).
        if (ReadRecordedExit() is { } early)
        {
            return early;
        }

        await _shim.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return ReadRecordedExit() ?? new ExitStatus
        {
            ExitCode = _shim.ExitCode,
            Error = _shim.ExitCode == 0 ? null : $"psc-shim exited with {_shim.ExitCode} without recording the container's exit status",
            FinishedAt = _shim.ExitTime.ToUniversalTime(),
        };
    }

    /// <summary>Completes when the shim process has exited and been reaped.</summary>
    public Task WaitForShimExitAsync(CancellationToken cancellationToken = default) => _shim.WaitForExitAsync(cancellationToken);

    private ExitStatus? ReadRecordedExit()
    {
        try
        {
            return ExitStatus.ReadFrom(BundleDirectory);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException)
        {
            // Cannot happen with the atomic writer (or the directory was removed meanwhile); use the shim's code.
            return null;
        }
    }

    /// <summary>What the shim wrote on its stderr, once it has exited: its reason for failing to start the container.</summary>
    public async Task<string> ReadErrorOutputAsync(CancellationToken cancellationToken)
    {
        using StreamReader reader = new(_shim.StandardError.BaseStream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        return (await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
    }

    /// <summary>
    /// SIGKILL to the container's init. Before shim.json exists, the shim itself is killed instead, and the
    /// init follows it (PDEATHSIG). Does nothing once the container has ended.
    /// </summary>
    public void Kill()
    {
        try
        {
            if (_shim.HasExited || File.Exists(Path.Combine(BundleDirectory, Bundle.ExitStatusFile)))
            {
                return;
            }

            ShimState? state = ShimState.ReadFrom(BundleDirectory);
            if (state is not null && state.ShimPid == _shim.Id && state.Pid > 0)
            {
                using ProcessHandle? init = ProcessHandle.Open(state.Pid, state.PidStartTime);
                init?.Signal(Signals.SIGKILL);
            }
            else
            {
                _shim.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile by whoever waited for it: it has ended.
        }
    }

    public void Dispose() => _shim.Dispose();

    /// <summary>
    /// Reads stage 1's "started" line (see the ladder in ContainerLauncher.cs): the payload runs. End of file
    /// instead means the shim is exiting without having started it. Detached, the pipes are closed afterwards.
    /// </summary>
    internal async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        byte[] line = new byte[StartedLine.Length];
        int read = await _shim.StandardOutput.BaseStream.ReadAtLeastAsync(line, line.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == line.Length && line.AsSpan().SequenceEqual(StartedLine))
        {
            Started = true;
        }
        else if (read > 0)
        {
            throw new InvalidDataException("psc-shim: unexpected output before the container started: " + Encoding.UTF8.GetString(line, 0, read));
        }

        if (_detached && Started)
        {
            // The shim has pointed its stdio at /dev/null: nothing more will come, and nothing here may keep it.
            _shim.StandardOutput.Dispose();
            _shim.StandardError.Dispose();
        }
    }

    private Stream Attached(Stream stream) =>
        _detached ? throw new InvalidOperationException("a detached container has no standard streams; read its log") : stream;
}
