namespace PSContainer.Runtime.Process;

/// <summary>The exit codes psc-shim uses for its own failures, the same as docker run's.</summary>
public static class ShimExitCodes
{
    /// <summary>The runtime failed (bad bundle, a mount, pivot_root, …); the command never ran.</summary>
    public const int RuntimeFailure = 125;

    /// <summary>The command was found but could not be executed (permission denied, not a program).</summary>
    public const int CannotExecute = 126;

    /// <summary>The command was not found.</summary>
    public const int NotFound = 127;
}
