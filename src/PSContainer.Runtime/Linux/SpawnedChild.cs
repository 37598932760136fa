using System.Collections;
using System.Runtime.InteropServices;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A child process started with posix_spawn(3) and reaped by its starter with waitpid(2), never by .NET's Process
/// machinery. psc-shim starts its own stages this way: System.Diagnostics.Process reaps its children from its
/// SIGCHLD thread, which races any other wait for the exit status (a waitid(WNOWAIT) that loses the race learns
/// nothing, and a signal number folded into 128 + n cannot be told from an exit code); with posix_spawn the status
/// is ours alone. A process that uses this must not use System.Diagnostics.Process for anything.
/// </summary>
public sealed unsafe class SpawnedChild
{
    private ChildExit? _exit;

    private SpawnedChild(int id)
    {
        Id = id;
    }

    /// <summary>The child's pid, in the caller's PID namespace.</summary>
    public int Id { get; }

    /// <summary>
    /// Starts <paramref name="path"/> with the calling thread's namespaces, this process's environment, every
    /// descriptor that is not close-on-exec, default signal dispositions and an empty signal mask; its stdout and
    /// stderr are <paramref name="stdout"/> and <paramref name="stderr"/> when given, else this process's.
    /// </summary>
    public static SpawnedChild Start(string path, IReadOnlyList<string> args, SafeFd? stdout = null, SafeFd? stderr = null)
    {
        List<string> env = [];
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            env.Add(variable.Key + "=" + variable.Value);
        }

        using ExecRequest request = new(path, args, env);
        return new SpawnedChild(request.Spawn(stdout, stderr));
    }

    /// <summary>Blocks until the child has ended, reaps it and returns how it ended (the same answer on every call).</summary>
    public ChildExit WaitForExit()
    {
        if (_exit is { } known)
        {
            return known;
        }

        while (true)
        {
            int status;
            if (Sys.waitpid(Id, &status, 0) == Id)
            {
                int signal = status & 0x7f;
                _exit = signal == 0 ? new ChildExit((status >> 8) & 0xff, null) : new ChildExit(128 + signal, signal);
                return _exit.Value;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new LinuxException(errno, "waitpid", Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
