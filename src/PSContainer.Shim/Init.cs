using System.Globalization;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// Stage 2, the container's init: PID 1 of the new PID namespace, in the new mount, UTS, IPC and network
/// namespaces. Waits for its release (the init request on the sync pipe), builds the root filesystem, pivots into it,
/// hardens itself (masked paths, capabilities, seccomp), becomes the configured user and execs the payload, which
/// then is PID 1 (or, with the init annotation, starts it and stays as its reaper). Any failure before the exec is
/// written to the error pipe. The order follows runc's standard_init_linux.go; each step says why it sits where it does.
/// </summary>
internal static class Init
{
    public static int Run(string syncFdText, string errorFdText, string consoleFdText)
    {
        using SafeFd sync = new(int.Parse(syncFdText, CultureInfo.InvariantCulture));
        SafeFd errors = new(int.Parse(errorFdText, CultureInfo.InvariantCulture));
        using SafeFd console = new(int.Parse(consoleFdText, CultureInfo.InvariantCulture));
        try
        {
            Exec(sync, errors, console);
            return 0; // not reached: Exec returns only by throwing
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Report(errors, e);
        }
        finally
        {
            errors.Dispose();
        }
    }

    /// <summary>Writes the failure to the error pipe (if the monitor still listens) and returns the exit code for it.</summary>
    internal static int Report(SafeFd errors, Exception e)
    {
        ErrorRecord record = new(ExitCodeFor(e), Describe(e));
        try
        {
            if (!errors.IsClosed)
            {
                errors.WriteAll(record.Encode());
            }
        }
        catch (LinuxException)
        {
            // The monitor is gone; there is nobody left to tell.
        }

        return record.ExitCode;
    }

    private static void Exec(SafeFd sync, SafeFd errors, SafeFd console)
    {
        // If the monitor dies, so does the container: this survives the exec, and is reset when the credentials
        // change, so ProcessSetup sets it again then.
        ProcessControl.SetParentDeathSignal(Signals.SIGKILL);

        // The bundle, already read and checked by stage 1, arrives with the release (see InitRequest).
        InitRequest request = InitRequest.Decode(sync.ReadToEnd(limit: InitRequest.MaxLength));
        Bundle bundle = request.Bundle;
        RuntimeSpec spec = bundle.Spec;
        int flags = request.NamespaceFlags;

        // Stage 1 has put us in the container's cgroup before the release: a cgroup namespace made now has that
        // cgroup as its root, which is why it is created here and not with the other namespaces in stage 1.
        if (Namespaces.Includes(flags, "cgroup"))
        {
            Namespaces.Unshare(Namespaces.CloneFlag("cgroup"));
        }

        // A session of our own: no controlling terminal, so terminal signals reach the monitor, which forwards
        // them (runc's nsexec does the same). umask 0 while building the rootfs, so modes are what we ask.
        ProcessControl.NewSession();
        Credentials.SetUmask(0);

        // Mounts, /dev, then the switch of root: all paths inside the rootfs are resolved before pivot_root.
        RootfsSetup.Prepare(bundle, flags, request.CgroupHierarchies);

        if (Namespaces.Includes(flags, "uts") && !string.IsNullOrEmpty(spec.Hostname))
        {
            HostName.Set(spec.Hostname);
        }

        if (Namespaces.Includes(flags, "network"))
        {
            Loopback.Up();
        }

        RootFs.Pivot(bundle.RootfsPath);

        // Inside the new root, where /proc and /sys are the container's own: hide and freeze what docker hides.
        foreach (string path in spec.Linux.ReadonlyPaths ?? [])
        {
            RootFs.MakePathReadonly(path);
        }

        foreach (string path in spec.Linux.MaskedPaths ?? [])
        {
            RootFs.Mask(path);
        }

        // docker run -t: the terminal is made in the container's own devpts, now that /dev/ptmx is the container's;
        // its master goes to the monitor, and this process takes the peer as its terminal and stdio (runc's order).
        if (spec.Process.Terminal)
        {
            ContainerTerminal.Setup(console, spec.Process);
        }

        console.Dispose();

        // The working directory is created as root (the user may not be able to) and while the root is still
        // writable, but entered only as the user, in ProcessSetup.
        RootFs.CreateDirectories(spec.Process.Cwd);
        if (spec.Root.Readonly)
        {
            RootFs.MakeReadonly();
        }

        bool init = spec.Annotations?.GetValueOrDefault(SpecBuilder.InitAnnotation) == "true";
        ProcessSetup.FinishAndExec(spec.Process, request.SeccompProgram, spec.Linux.Seccomp?.Flags,
            init ? errors.Dispose : null); // as init: EOF on the error pipe once the command runs, as an exec would give
    }

    /// <summary>Our own exceptions carry "what: why" messages; anything else also needs its type to make sense.</summary>
    internal static string Describe(Exception e) =>
        e is LinuxException or ContainerRuntimeException or InvalidOperationException ? e.Message : e.GetType().Name + ": " + e.Message;

    /// <summary>docker's codes: 127 not found, 126 found but not executable, 125 for everything else.</summary>
    internal static int ExitCodeFor(Exception e) => e switch
    {
        LinuxException { Syscall: "exec", Errno: Errno.ENOENT } => ShimExitCodes.NotFound,
        LinuxException { Syscall: "exec" } => ShimExitCodes.CannotExecute,
        _ => ShimExitCodes.RuntimeFailure,
    };
}
