using PSContainer.Runtime.Linux;
using ShimProcess = System.Diagnostics.Process;

namespace PSContainer.Runtime.Process;

/// <summary>
/// A container started by <see cref="ContainerLauncher"/>: its standard streams, its exit, and a way to kill
/// it. The process behind it is psc-shim stage 1, which lives exactly as long as the container.
/// </summary>
public sealed class RunningContainer : IDisposable
{
    private readonly ShimProcess _shim;

    internal RunningContainer(ShimProcess shim, string bundleDirectory)
    {
        _shim = shim;
        BundleDirectory = bundleDirectory;
    }

    public string BundleDirectory { get; }

    /// <summary>psc-shim stage 1 (the monitor), in this PID namespace.</summary>
    public int ShimProcessId => _shim.Id;

    /// <summary>The container's stdin. Dispose it to give the container end-of-file.</summary>
    public Stream StandardInput => _shim.StandardInput.BaseStream;

    public Stream StandardOutput => _shim.StandardOutput.BaseStream;

    public Stream StandardError => _shim.StandardError.BaseStream;

    /// <summary>
    /// Waits for the container to end and returns its status from exit.json. If the shim died without writing
    /// it (it was killed, say), the status is the shim's own exit code.
    /// </summary>
    public async Task<ExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _shim.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        ExitStatus? recorded = null;
        try
        {
            recorded = ExitStatus.ReadFrom(BundleDirectory);
        }
        catch (System.Text.Json.JsonException)
        {
            // Cannot happen with the atomic writer; fall through to the shim's code if it somehow does.
        }

        return recorded ?? new ExitStatus
        {
            ExitCode = _shim.ExitCode,
            Error = $"psc-shim exited with {_shim.ExitCode} without recording the container's exit status",
            FinishedAt = _shim.ExitTime.ToUniversalTime(),
        };
    }

    /// <summary>
    /// SIGKILL to the container's init. Before shim.json exists, the shim itself is killed instead, and the
    /// init follows it (PDEATHSIG). Does nothing once the container has ended.
    /// </summary>
    public void Kill()
    {
        if (_shim.HasExited || File.Exists(Path.Combine(BundleDirectory, Bundle.ExitStatusFile)))
        {
            return;
        }

        ShimState? state = ShimState.ReadFrom(BundleDirectory);
        if (state is not null && state.ShimPid == _shim.Id && state.Pid > 0)
        {
            Signals.Send(state.Pid, Signals.SIGKILL);
        }
        else
        {
            _shim.Kill();
        }
    }

    public void Dispose() => _shim.Dispose();
}
