using PSContainer.Runtime.Linux;

namespace PSContainer.Shim;

/// <summary>
/// docker --init, inside psc-shim: instead of exec'ing the command, the container's init (PID 1) starts it as its
/// child and stays, reaping every process the namespace re-parents to it and passing signals on to the command,
/// as tini does. It exits with the command's status (128 + n when signal n killed it); the kernel then ends
/// whatever else is left in the PID namespace.
/// </summary>
/// <remarks>
/// No managed code runs between fork and exec: the command is started with posix_spawn(3), which forks and execs
/// in native code. This process must never use System.Diagnostics.Process: its SIGCHLD handling would find
/// children it did not start reaped here and fail fast. Signals arrive through .NET's PosixSignalRegistration,
/// whose handlers run on the runtime's signal thread; the main thread only waits.
/// </remarks>
internal static class MiniInit
{
    /// <summary>Starts <paramref name="command"/>, calls <paramref name="started"/>, and reaps until the command has ended.</summary>
    public static int Run(ExecRequest command, Action started)
    {
        // Registered before the child exists: a signal that comes in between is kept and delivered once it does.
        using SignalForwarder forwarder = new(SignalForwarder.InitSignals);
        int child = command.Spawn();
        forwarder.ForwardTo(child);
        started();
        while (Reaper.WaitAny() is (int pid, ChildExit exit))
        {
            if (pid == child)
            {
                return exit.ExitCode;
            }
        }

        return 0; // no children left, which cannot happen before the command itself has been reaped
    }
}
