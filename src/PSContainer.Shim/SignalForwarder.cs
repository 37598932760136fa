using System.Runtime.InteropServices;
using PSContainer.Runtime.Linux;

namespace PSContainer.Shim;

/// <summary>
/// Passes signals on to another process instead of dying of them: stage 1 and the exec helper forward SIGTERM,
/// SIGINT and SIGHUP to the container's process; the minimal init (-Init) forwards more (<see cref="InitSignals"/>).
/// </summary>
/// <remarks>
/// This rides on .NET's PosixSignalRegistration, which works here only because of an ordering rule:
/// registering creates the runtime's signal-handling thread, and it must be created before the unshare.
/// After unshare(CLONE_NEWPID) the *main* thread can no longer create threads, but the signal thread kept
/// the old PID namespace for its children, so the thread that the runtime starts per signal to run our
/// handler is created from there without trouble. A signal that arrives before the init exists is kept and
/// delivered as soon as it does.
/// </remarks>
internal sealed class SignalForwarder : IDisposable
{
    private readonly object _gate = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _target;
    private int _pending;

    /// <summary>What a monitor forwards: the signals that ask a process to stop.</summary>
    public static readonly PosixSignal[] StopSignals = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP];

    /// <summary>What the minimal init forwards, as tini does: everything a program may handle, except what .NET uses itself.</summary>
    public static readonly PosixSignal[] InitSignals =
    [
        PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT, PosixSignal.SIGWINCH,
        (PosixSignal)Signals.SIGUSR1, (PosixSignal)Signals.SIGUSR2, (PosixSignal)Signals.SIGALRM,
    ];

    public SignalForwarder()
        : this(StopSignals)
    {
    }

    public SignalForwarder(IReadOnlyList<PosixSignal> signals)
    {
        _registrations = signals.Select(s => PosixSignalRegistration.Create(s, Handle)).ToArray();
    }

    /// <summary>From now on, signals go to <paramref name="pid"/> (and one that came early goes now).</summary>
    public void ForwardTo(int pid)
    {
        int pending;
        lock (_gate)
        {
            _target = pid;
            pending = _pending;
            _pending = 0;
        }

        if (pending != 0)
        {
            Signals.Send(pid, pending);
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // the monitor lives on until the container has ended
        int signal = context.Signal switch
        {
            PosixSignal.SIGTERM => Signals.SIGTERM,
            PosixSignal.SIGINT => Signals.SIGINT,
            PosixSignal.SIGHUP => Signals.SIGHUP,
            PosixSignal.SIGQUIT => Signals.SIGQUIT,
            PosixSignal.SIGWINCH => Signals.SIGWINCH,
            _ => (int)context.Signal, // raw signal numbers are positive
        };

        int target;
        lock (_gate)
        {
            target = _target;
            if (target == 0)
            {
                _pending = signal;
                return;
            }
        }

        Signals.Send(target, signal);
    }
}
