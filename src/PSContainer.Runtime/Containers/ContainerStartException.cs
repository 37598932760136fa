using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// A container whose command could not be run, with docker's exit code for why: 127 the command was not found
/// (ContainerCommandNotFound), 126 it could not be executed (ContainerCommandNotExecutable), 125 the runtime failed
/// (ContainerStartFailed).
/// </summary>
public sealed class ContainerStartException : ContainerRuntimeException
{
    private ContainerStartException(ErrorKind kind, string errorId, string message, int exitCode)
        : base(kind, errorId, message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code docker run would give: 125, 126 or 127.</summary>
    public int ExitCode { get; }

    public static ContainerStartException From(string containerName, ExitStatus status)
    {
        (ErrorKind kind, string errorId) = status.ExitCode switch
        {
            ShimExitCodes.NotFound => (ErrorKind.NotFound, "ContainerCommandNotFound"),
            ShimExitCodes.CannotExecute => (ErrorKind.FailedPrecondition, "ContainerCommandNotExecutable"),
            _ => (ErrorKind.FailedPrecondition, "ContainerStartFailed"),
        };
        string why = status.Error ?? $"psc-shim exited with {status.ExitCode}";
        return new ContainerStartException(kind, errorId, $"container {containerName}: {why}", status.ExitCode) { Target = containerName };
    }

    /// <summary>True when <paramref name="status"/> is a failure to start rather than the command's own exit.</summary>
    public static bool IsStartFailure(ExitStatus status) =>
        status.Error is not null && status.ExitCode is >= ShimExitCodes.RuntimeFailure and <= ShimExitCodes.NotFound;
}
