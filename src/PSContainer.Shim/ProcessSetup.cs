using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// The last steps before the payload runs, shared by the container's init (stage 2) and by a process joining a
/// running container (exec): runc's finalizeNamespace and the end of standard_init_linux.go, in their order.
/// The root filesystem and the namespaces are ready when this starts; it returns only by throwing.
/// </summary>
internal static class ProcessSetup
{
    /// <param name="process">The process to become.</param>
    /// <param name="seccompProgram">The compiled linux.seccomp filter, or null.</param>
    /// <param name="seccompFlags">linux.seccomp.flags.</param>
    /// <param name="initStarted">
    /// Null to exec the payload. Otherwise this process stays as the minimal init (see <see cref="MiniInit"/>) with the
    /// payload as its child, calls this once the payload runs, and exits with the payload's status.
    /// </param>
    public static void FinishAndExec(ProcessSpec process, byte[]? seccompProgram, IReadOnlyList<string>? seccompFlags, Action? initStarted)
    {
        if (process.Args.Count == 0)
        {
            throw new InvalidOperationException("config.json: process.args is empty");
        }

        // 1. Nothing but stdio may reach the payload: the error pipe, the runtime's own descriptors, anything leaked
        //    to us. CLOEXEC, not close: the error pipe is still needed if the exec fails.
        FileDescriptors.CloseOnExecFrom(3);

        // 2. Resource limits while still privileged (raising a hard limit needs CAP_SYS_RESOURCE).
        Rlimits.Apply(process.Rlimits);

        // The steps below that act on the calling thread only: on every thread when this process stays as the init.
        Action<Action> perThread = initStarted is null ? step => step() : AllThreads.Run;

        // 3. no_new_privs before the filter: with it, loading a filter needs no privilege, so the filter can wait
        //    until just before execve. Without it, loading needs CAP_SYS_ADMIN: then it must happen now, before the
        //    capabilities go (runc's order).
        if (process.NoNewPrivileges)
        {
            perThread(ProcessControl.SetNoNewPrivileges);
        }
        else if (seccompProgram is not null)
        {
            perThread(() => SeccompFilter.Load(seccompProgram, seccompFlags));
        }

        // 4. The bounding set first, while we still hold CAP_SETPCAP; keep the permitted set across the setuid below
        //    (a switch away from uid 0 clears it otherwise), then set the final sets as that user.
        //    (glibc's setuid and friends change every thread; the capability calls do not.)
        CapabilitiesSpec? caps = process.Capabilities;
        if (caps is not null)
        {
            perThread(() =>
            {
                Capabilities.DropBoundingSet(Capabilities.ToMask(caps.Bounding));
                Capabilities.SetKeepCapabilities(true);
            });
        }

        UserSpec user = process.User;
        Credentials.Switch(user.Uid, user.Gid, user.AdditionalGids);
        if (caps is not null)
        {
            // The init keeps what its command gets from the exec: for a user other than root, that is the ambient
            // set alone (tini, exec'd by runc, has the same).
            ulong ambient = Capabilities.ToMask(caps.Ambient);
            bool asExec = initStarted is not null && user.Uid != 0;
            ulong effective = asExec ? ambient : Capabilities.ToMask(caps.Effective);
            ulong permitted = asExec ? ambient : Capabilities.ToMask(caps.Permitted);
            perThread(() =>
            {
                Capabilities.SetKeepCapabilities(false);
                Capabilities.Set(effective, permitted, Capabilities.ToMask(caps.Inheritable));
                Capabilities.SetAmbient(ambient);
            });
        }

        // A change of credentials clears the parent-death signal: set it again.
        if (user.Uid != 0 || user.Gid != 0)
        {
            ProcessControl.SetParentDeathSignal(Signals.SIGKILL);
        }

        // 5. The working directory as the user (and checked to be inside the root: CVE-2024-21626).
        Credentials.SetUmask(user.Umask ?? 0x12); // 0022, runc's default
        RootFs.EnterWorkingDirectory(process.Cwd);

        // 6. Resolution after the user switch, so "executable" is judged with the payload's own permissions.
        string path = Executable.Resolve(process.Args[0], PathOf(process.Env));
        using ExecRequest exec = new(path, process.Args, process.Env);

        // 7. The filter as close to execve as possible: nothing of ours runs under it but the exec itself.
        if (process.NoNewPrivileges && seccompProgram is not null)
        {
            perThread(() => SeccompFilter.Load(seccompProgram, seccompFlags));
        }

        if (initStarted is not null)
        {
            AllThreads.Verify();
            Environment.Exit(MiniInit.Run(exec, initStarted));
        }

        exec.Execute();
    }

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
}
