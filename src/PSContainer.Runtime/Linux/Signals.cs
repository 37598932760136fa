using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Sending signals, and handing a clean signal state to a program about to be exec'd.</summary>
public static unsafe class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGUSR2 = 12;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGSTOP = 19;
    public const int SIGWINCH = 28;

    /// <summary>kill(2). Returns false if the process no longer exists (ESRCH).</summary>
    public static bool Send(int pid, int signal)
    {
        if (kill(pid, signal) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ESRCH ? false : throw new LinuxException(errno, "kill", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Gets the signal state ready for execve: every ignored signal back to SIG_DFL, and an empty mask.
    /// </summary>
    /// <remarks>
    /// execve resets caught signals to SIG_DFL by itself, but keeps SIG_IGN and the blocked mask, and the
    /// .NET runtime ignores SIGPIPE: without this a container's `yes | head -1` would never end. Signals the
    /// runtime catches are deliberately left alone, because it still needs them until the execve (the GC
    /// suspends threads with a real-time signal; NullReferenceException is a SIGSEGV handler).
    /// </remarks>
    public static void PrepareForExec()
    {
        sigaction current;
        sigaction defaults = default;
        defaults.sa_handler = SIG_DFL;
        for (int signal = 1; signal < NSIG; signal++)
        {
            if (signal == SIGKILL || signal == SIGSTOP || sigaction(signal, null, &current) < 0)
            {
                continue; // SIGKILL/SIGSTOP cannot be changed; glibc refuses its two internal signals
            }

            if (current.sa_handler == SIG_IGN && sigaction(signal, &defaults, null) < 0)
            {
                throw LinuxException.FromLastError("sigaction", signal.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        sigset_t empty;
        sigemptyset(&empty);
        if (sigprocmask(SIG_SETMASK, &empty, null) < 0)
        {
            throw LinuxException.FromLastError("sigprocmask");
        }
    }
}
