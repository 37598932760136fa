using System.Text.Json;
using ShimProcess = System.Diagnostics.Process;

namespace PSContainer.Runtime.Process;

/// <summary>A process started in a running container by <see cref="ExecLauncher"/>: its streams, its exit, a way to kill it.</summary>
public sealed class RunningExec : IDisposable
{
    private readonly ShimProcess _shim;
    private readonly string _processFile;

    internal RunningExec(ShimProcess shim, string processFile)
    {
        _shim = shim;
        _processFile = processFile;
    }

    /// <summary>psc-shim's exec helper, in this PID namespace; it lives exactly as long as the process.</summary>
    public int ShimProcessId => _shim.Id;

    /// <summary>The process's stdin. Dispose it to give the process end-of-file.</summary>
    public Stream StandardInput => _shim.StandardInput.BaseStream;

    public Stream StandardOutput => _shim.StandardOutput.BaseStream;

    public Stream StandardError => _shim.StandardError.BaseStream;

    /// <summary>Waits for the process to end and returns how (the helper's record, or its own exit code without one).</summary>
    public async Task<ExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _shim.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string exitFile = ExecLauncher.ExitFileFor(_processFile);
        ExitStatus? recorded = null;
        try
        {
            recorded = File.Exists(exitFile) ? JsonSerializer.Deserialize(File.ReadAllBytes(exitFile), ProcessJsonContext.Default.ExitStatus) : null;
        }
        catch (JsonException)
        {
            // Cannot happen with the atomic writer; fall back on the exit code.
        }

        File.Delete(exitFile);
        File.Delete(_processFile);
        return recorded ?? new ExitStatus
        {
            ExitCode = _shim.ExitCode,
            Error = $"psc-shim exited with {_shim.ExitCode} without recording the process's exit status",
            FinishedAt = _shim.ExitTime.ToUniversalTime(),
        };
    }

    /// <summary>SIGKILL to the helper; the process in the container follows it (PDEATHSIG).</summary>
    public void Kill()
    {
        if (!_shim.HasExited)
        {
            _shim.Kill();
        }
    }

    public void Dispose() => _shim.Dispose();
}
