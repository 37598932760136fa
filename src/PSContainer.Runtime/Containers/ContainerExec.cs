using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// docker exec: a new process in a running container, in all of its namespaces and its cgroup, with the container's
/// capabilities, no_new_privs, seccomp filter, rlimits and environment unless the options say otherwise. The
/// process's description is an OCI "process" object, as for <c>runc exec --process</c>.
/// </summary>
public sealed class ContainerExec
{
    private readonly Func<ExecLauncher> _launcher;

    public ContainerExec(Func<ExecLauncher> launcher)
    {
        _launcher = launcher;
    }

    /// <summary>Starts the command; the caller relays its streams and waits for it.</summary>
    public RunningExec Start(Container container, ExecOptions options)
    {
        // A process placed in a frozen cgroup freezes before it can exec: it would hang until the container resumes.
        if (container.Status == ContainerStatus.Paused)
        {
            throw ContainerRuntimeException.FailedPrecondition("ContainerPaused",
                $"container {container.Name}: is paused; resume it (Resume-Container) before running a command in it", container.Name);
        }

        if (container.Status != ContainerStatus.Running || container.Pid is not int pid)
        {
            throw ContainerRuntimeException.FailedPrecondition("ContainerNotRunning",
                $"container {container.Name}: is not running (it is {container.Status.ToString().ToLowerInvariant()})", container.Name);
        }

        if (options.Command.Count == 0 || string.IsNullOrEmpty(options.Command[0]))
        {
            throw ContainerRuntimeException.InvalidArgument("ExecNoCommand", "no command given to run in the container");
        }

        RuntimeSpec spec = Bundle.Load(container.Directory).Spec;
        return _launcher().Start(container.Directory, ProcessFor(spec.Process, options, pid));
    }

    /// <summary>The container's process description, changed by the exec options.</summary>
    internal static ProcessSpec ProcessFor(ProcessSpec container, ExecOptions options, int initPid)
    {
        List<string> env = [.. container.Env];
        UserSpec user = container.User;
        if (options.User is { Length: > 0 } name)
        {
            // The container's own files as they are now (its upper layer included), resolved inside its root.
            ContainerUser resolved = ContainerUser.Resolve(name, RootfsFiles.FromProcessRoot(initPid));
            user = new UserSpec { Uid = resolved.Uid, Gid = resolved.Gid, AdditionalGids = resolved.AdditionalGids.Count > 0 ? resolved.AdditionalGids : null };
            SpecBuilder.SetVariable(env, "HOME", resolved.Home);
        }

        foreach ((string key, string value) in options.Environment ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrEmpty(key) || key.Contains('='))
            {
                throw ContainerRuntimeException.InvalidArgument("InvalidEnvironmentVariable", $"invalid environment variable name \"{key}\"", key);
            }

            SpecBuilder.SetVariable(env, key, value);
        }

        CapabilitiesSpec? caps = container.Capabilities;
        if (options.Privileged)
        {
            IReadOnlyList<string> all = Capabilities.FromMask(Capabilities.CurrentBoundingSet());
            caps = new CapabilitiesSpec { Bounding = all, Effective = all, Permitted = all, Inheritable = [], Ambient = [] };
        }

        return container with
        {
            Args = options.Command,
            Env = env,
            Cwd = string.IsNullOrEmpty(options.WorkingDirectory) ? container.Cwd : options.WorkingDirectory,
            User = user,
            Capabilities = caps,
            Terminal = options.Tty,
            ConsoleSize = options.Tty && options.TerminalSize is { } size ? new ConsoleSizeSpec { Height = size.Rows, Width = size.Columns } : null,
        };
    }
}
