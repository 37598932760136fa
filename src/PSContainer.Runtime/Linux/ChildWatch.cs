using System.Runtime.InteropServices;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;
using SigInfo = PSContainer.Runtime.Linux.Interop.siginfo_chld;

namespace PSContainer.Runtime.Linux;

/// <summary>Observing a child that System.Diagnostics.Process started, without taking it from the runtime.</summary>
public static unsafe class ChildWatch
{
    /// <summary>
    /// Blocks until child <paramref name="pid"/> has exited and reports how, without reaping it:
    /// waitid(WEXITED | WNOWAIT) leaves the zombie for the runtime's SIGCHLD handler, which must be the one
    /// to reap it (.NET fails fast if a child it started is reaped behind its back). Process.ExitCode folds a
    /// death by signal n into 128 + n; this tells the two apart. Returns null if the child is already gone
    /// (the runtime reaped it first), in which case only Process.ExitCode is left.
    /// </summary>
    public static ChildExit? WaitWithoutReaping(int pid)
    {
        SigInfo info;
        while (true)
        {
            info = default;
            if (Sys.waitid(Sys.P_PID, pid, &info, Sys.WEXITED | Sys.WNOWAIT) == 0)
            {
                break;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            return errno == Errno.ECHILD ? null : throw new LinuxException(errno, "waitid");
        }

        return info.si_code switch
        {
            Sys.CLD_EXITED => new ChildExit(info.si_status, null),
            Sys.CLD_KILLED or Sys.CLD_DUMPED => new ChildExit(128 + info.si_status, info.si_status),
            _ => null,
        };
    }
}
