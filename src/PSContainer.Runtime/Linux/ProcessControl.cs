using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Per-process settings of the calling process: prctl(2), sessions, the umask.</summary>
public static class ProcessControl
{
    /// <summary>
    /// PR_SET_PDEATHSIG: the kernel sends <paramref name="signal"/> to this process when the thread that
    /// started it exits. It survives execve (of anything but a set-id binary) and is cleared when the
    /// credentials change, so it must be set again after setuid.
    /// </summary>
    public static void SetParentDeathSignal(int signal)
    {
        if (Sys.prctl(Sys.PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0) < 0)
        {
            throw LinuxException.FromLastError("prctl PR_SET_PDEATHSIG");
        }
    }

    /// <summary>PR_SET_NO_NEW_PRIVS: execve can never again grant privileges (set-id bits, file capabilities).</summary>
    public static void SetNoNewPrivileges()
    {
        if (Sys.prctl(Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        {
            throw LinuxException.FromLastError("prctl PR_SET_NO_NEW_PRIVS");
        }
    }

    /// <summary>PR_SET_NAME: the calling thread's name (comm, at most 15 bytes), which ps(1) and /proc/&lt;pid&gt;/stat show.</summary>
    public static unsafe void SetName(string name)
    {
        fixed (byte* p = NativeStrings.Utf8z(name))
        {
            if (Sys.prctl(Sys.PR_SET_NAME, (nuint)p, 0, 0, 0) < 0)
            {
                throw LinuxException.FromLastError("prctl PR_SET_NAME", name);
            }
        }
    }

    /// <summary>setsid(2): a new session without a controlling terminal, so terminal signals go to the monitor.</summary>
    public static void NewSession()
    {
        if (setsid() < 0)
        {
            throw LinuxException.FromLastError("setsid");
        }
    }

    /// <summary>The calling process's id as the kernel sees it in its own PID namespace.</summary>
    public static int CurrentProcessId => getpid();
}
