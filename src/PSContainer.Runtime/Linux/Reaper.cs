using System.Runtime.InteropServices;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Reaping any child, as a PID 1 must (orphans of the namespace are re-parented to it). Only for a process that
/// never starts children through System.Diagnostics.Process: .NET fails fast when a child it started is reaped
/// behind its back.
/// </summary>
public static unsafe class Reaper
{
    /// <summary>Blocks until a child ends and reaps it; null when there are no children left.</summary>
    public static (int Pid, ChildExit Exit)? WaitAny()
    {
        while (true)
        {
            int status;
            int pid = Sys.waitpid(-1, &status, 0);
            if (pid > 0)
            {
                int signal = status & 0x7f;
                return (pid, signal == 0 ? new ChildExit((status >> 8) & 0xff, null) : new ChildExit(128 + signal, signal));
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            return errno == Errno.ECHILD ? null : throw new LinuxException(errno, "waitpid");
        }
    }
}
