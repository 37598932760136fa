using System.Globalization;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// Stage 2, the container's init: PID 1 of the new PID namespace, in the new mount, UTS, IPC and network
/// namespaces. Waits for its release (the init request on the sync pipe), builds the root filesystem, pivots into it, becomes the configured user and
/// execs the payload, which then is PID 1. Any failure before the exec is written to the error pipe.
/// The order follows runc's standard_init_linux.go; each step says why it sits where it does.
/// </summary>
internal static class Init
{
    public static int Run(string syncFdText, string errorFdText)
    {
        using SafeFd sync = new(int.Parse(syncFdText, CultureInfo.InvariantCulture));
        using SafeFd errors = new(int.Parse(errorFdText, CultureInfo.InvariantCulture));
        try
        {
            Exec(sync);
            return 0; // not reached: Exec returns only by throwing
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ErrorRecord record = new(ExitCodeFor(e), Describe(e));
            try
            {
                errors.WriteAll(record.Encode());
            }
            catch (LinuxException)
            {
                // The monitor is gone; there is nobody left to tell.
            }

            return record.ExitCode;
        }
    }

    private static void Exec(SafeFd sync)
    {
        // If the monitor dies, so does the container: this survives the exec, and is reset below when the
        // credentials change, so it is set again there.
        ProcessControl.SetParentDeathSignal(Signals.SIGKILL);

        // The bundle, already read and checked by stage 1, arrives with the release (see InitRequest).
        (Bundle bundle, int flags) = WaitForGo(sync);
        RuntimeSpec spec = bundle.Spec;
        ProcessSpec process = spec.Process;
        if (process.Args.Count == 0)
        {
            throw new InvalidOperationException("config.json: process.args is empty");
        }

        // A session of our own: no controlling terminal, so terminal signals reach the monitor, which forwards
        // them (runc's nsexec does the same). umask 0 while building the rootfs, so modes are what we ask.
        ProcessControl.NewSession();
        Credentials.SetUmask(0);

        // Mounts, /dev, then the switch of root: all paths inside the rootfs are resolved before pivot_root.
        RootfsSetup.Prepare(bundle, flags);

        if (Namespaces.Includes(flags, "uts") && !string.IsNullOrEmpty(spec.Hostname))
        {
            HostName.Set(spec.Hostname);
        }

        if (Namespaces.Includes(flags, "network"))
        {
            Loopback.Up();
        }

        RootFs.Pivot(bundle.RootfsPath);

        // The working directory is created as root (the user may not be able to) and while the root is still
        // writable, but entered only as the user, below.
        Directory.CreateDirectory(process.Cwd);
        if (spec.Root.Readonly)
        {
            RootFs.MakeReadonly();
        }

        // Nothing but stdio may reach the payload: the error pipe, the runtime's own descriptors, anything
        // leaked to us. CLOEXEC, not close: the error pipe is still needed if the exec fails.
        FileDescriptors.CloseOnExecFrom(3);

        UserSpec user = process.User;
        Credentials.Switch(user.Uid, user.Gid, user.AdditionalGids);
        if (user.Uid != 0 || user.Gid != 0)
        {
            ProcessControl.SetParentDeathSignal(Signals.SIGKILL);
        }

        Credentials.SetUmask(user.Umask ?? 0x12); // 0022, runc's default
        RootFs.EnterWorkingDirectory(process.Cwd);

        // Resolution after the user switch, so "executable" is judged with the payload's own permissions.
        string path = Executable.Resolve(process.Args[0], PathOf(process.Env));
        using ExecRequest exec = new(path, process.Args, process.Env);
        if (process.NoNewPrivileges)
        {
            ProcessControl.SetNoNewPrivileges();
        }

        exec.Execute();
    }

    /// <summary>Blocks until stage 1 has sent the request and closed the pipe. End of file alone means stage 1 is gone.</summary>
    private static (Bundle, int) WaitForGo(SafeFd sync) =>
        InitRequest.Decode(sync.ReadToEnd(limit: InitRequest.MaxLength));

    private static string? PathOf(IReadOnlyList<string> env)
    {
        for (int i = env.Count - 1; i >= 0; i--)
        {
            if (env[i].StartsWith("PATH=", StringComparison.Ordinal))
            {
                return env[i][5..];
            }
        }

        return null;
    }

    /// <summary>Our own exceptions carry "what: why" messages; anything else also needs its type to make sense.</summary>
    internal static string Describe(Exception e) =>
        e is LinuxException or ContainerRuntimeException or InvalidOperationException ? e.Message : e.GetType().Name + ": " + e.Message;

    /// <summary>docker's codes: 127 not found, 126 found but not executable, 125 for everything else.</summary>
    private static int ExitCodeFor(Exception e) => e switch
    {
        LinuxException { Syscall: "exec", Errno: Errno.ENOENT } => ShimExitCodes.NotFound,
        LinuxException { Syscall: "exec" } => ShimExitCodes.CannotExecute,
        _ => ShimExitCodes.RuntimeFailure,
    };
}
