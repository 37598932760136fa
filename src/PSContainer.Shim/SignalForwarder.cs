using System.Runtime.InteropServices;
using PSContainer.Runtime.Linux;

namespace PSContainer.Shim;

/// <summary>
/// Stage 1 passes SIGTERM, SIGINT and SIGHUP on to the container's init instead of dying of them.
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

    public SignalForwarder()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle),
        ];
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
            _ => Signals.SIGHUP,
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
