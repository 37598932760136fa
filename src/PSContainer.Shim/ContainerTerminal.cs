using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// docker run -t, on both sides of the console socket: stage 2 opens a terminal in the container's devpts and sends
/// its master to stage 1 (runc's console socket protocol, over a socket pair), then makes the peer its controlling
/// terminal and its stdin, stdout and stderr; stage 1 receives the master and relays it (LogRelay).
/// </summary>
internal static class ContainerTerminal
{
    /// <summary>Stage 2, inside the new root and still root: see the class remarks.</summary>
    public static void Setup(SafeFd console, ProcessSpec process)
    {
        (SafeFd master, SafeFd peer) = Pty.Open(process.ConsoleSize?.Height ?? 0, process.ConsoleSize?.Width ?? 0);
        using (master)
        using (peer)
        {
            // The terminal belongs to the user the command runs as (runc's fixStdioPermissions); its group stays tty.
            Credentials.ChangeOwner(peer, process.User.Uid);
            FdPassing.Send(console, master);
            Pty.Attach(peer);
        }
    }

    /// <summary>Stage 1, once stage 2 has exec'd: the master it sent, or null if it sent none.</summary>
    public static SafeFd? Receive(SafeFd console) => FdPassing.Receive(console);
}
