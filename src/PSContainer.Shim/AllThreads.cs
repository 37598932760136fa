using System.Runtime.CompilerServices;

namespace PSContainer.Shim;

/// <summary>
/// Runs a per-thread security step on every thread of psc-shim, for the one case where psc-shim's own code goes on
/// running after the steps instead of exec'ing: the minimal init (<see cref="MiniInit"/>).
/// </summary>
/// <remarks>
/// capset(2), PR_CAPBSET_DROP, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS and a seccomp filter act on the calling thread
/// only. An exec ends every other thread, so a container's command never sees the difference; the init does not
/// exec, and the runtime's finalizer thread, started before any of the steps, would keep root's full capabilities
/// and no filter. A finalizer is the one piece of code that runs on that thread, so each step runs in one. The
/// runtime's signal thread is started later, by <see cref="SignalForwarder"/>, and inherits the main thread's state.
/// <see cref="Verify"/> then checks every thread the kernel lists, so a thread this does not know of fails the start
/// instead of staying privileged.
/// </remarks>
internal static class AllThreads
{
    private static readonly string[] StatusFields =
        ["Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "Seccomp_filters:"];

    /// <summary>Runs <paramref name="step"/> on this thread, then on the finalizer thread; throws what it threw there.</summary>
    public static void Run(Action step)
    {
        step();
        var outcome = new Outcome();
        for (int attempt = 0; attempt < 10 && !outcome.Ran; attempt++)
        {
            Post(step, outcome);
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        if (!outcome.Ran)
        {
            throw new InvalidOperationException("the finalizer thread did not run the security step");
        }

        if (outcome.Error is not null)
        {
            throw new InvalidOperationException("the security step failed on the finalizer thread: " + outcome.Error.Message, outcome.Error);
        }
    }

    /// <summary>
    /// Throws unless every thread in /proc/self/task has this thread's user, groups, capability sets, no_new_privs
    /// and seccomp state.
    /// </summary>
    public static void Verify()
    {
        string mine = Describe("/proc/thread-self/status");
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string theirs = Describe(Path.Combine(task, "status"));
            if (theirs != mine)
            {
                throw new InvalidOperationException(
                    $"thread {Path.GetFileName(task)} of the init does not have the container's credentials: {theirs} instead of {mine}");
            }
        }
    }

    private static string Describe(string statusFile)
    {
        var fields = new List<string>(StatusFields.Length);
        foreach (string line in File.ReadLines(statusFile))
        {
            if (Array.Exists(StatusFields, field => line.StartsWith(field, StringComparison.Ordinal)))
            {
                fields.Add(string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
            }
        }

        return string.Join("; ", fields);
    }

    // Not inlined, so no reference to the carrier stays in the caller's frame and the collection finds it dead.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Post(Action step, Outcome outcome) => _ = new Carrier(step, outcome);

    private sealed class Outcome
    {
        public bool Ran { get; set; }

        public Exception? Error { get; set; }
    }

    private sealed class Carrier(Action step, Outcome outcome)
    {
        ~Carrier()
        {
            if (outcome.Ran)
            {
                return;
            }

            // An exception escaping a finalizer ends the process: carry it back instead.
            try
            {
                step();
            }
            catch (Exception ex)
            {
                outcome.Error = ex;
            }

            outcome.Ran = true;
        }
    }
}
