using System.Globalization;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// psc-shim exec-init: the child of the exec helper, born in the container's PID (and other) namespaces. It joins
/// the mount namespace, which puts it in the container's root, and becomes the requested process through the same
/// steps as the container's own init (<see cref="ProcessSetup"/>): capabilities, user, seccomp, execve.
/// </summary>
internal static class ExecInit
{
    public static int Run(string syncFdText, string errorFdText, string mountNamespaceFdText, string consoleFdText)
    {
        using SafeFd sync = new(int.Parse(syncFdText, CultureInfo.InvariantCulture));
        using SafeFd errors = new(int.Parse(errorFdText, CultureInfo.InvariantCulture));
        using SafeFd mountNamespace = new(int.Parse(mountNamespaceFdText, CultureInfo.InvariantCulture));
        using SafeFd console = new(int.Parse(consoleFdText, CultureInfo.InvariantCulture));
        try
        {
            ProcessControl.SetParentDeathSignal(Signals.SIGKILL);
            InitRequest request = InitRequest.Decode(sync.ReadToEnd(limit: InitRequest.MaxLength));

            // setns(CLONE_NEWNS) refuses a thread that shares its filesystem information (root, cwd) with other
            // threads, and every .NET thread does: give the main thread its own first. The root and the cwd are
            // then the container's root.
            Namespaces.UnshareFileSystemInfo();
            Namespaces.Enter(mountNamespace, Namespaces.CloneFlag("mount"));
            mountNamespace.Dispose();

            // Its own session, away from the helper's terminal (as the container's init has); with -Tty, a terminal
            // from the container's devpts (its root is ours now), the master sent to the helper, as stage 2 does.
            ProcessControl.NewSession();
            if (request.Bundle.Spec.Process.Terminal)
            {
                ContainerTerminal.Setup(console, request.Bundle.Spec.Process);
            }

            console.Dispose();
            ProcessSetup.FinishAndExec(request.Bundle.Spec.Process, request.SeccompProgram, request.Bundle.Spec.Linux.Seccomp?.Flags, initStarted: null);
            return 0; // not reached
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Init.Report(errors, e);
        }
    }
}
