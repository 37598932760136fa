using System.Globalization;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// psc-shim exec: runs a process in a running container (docker exec). It joins the container's namespaces except
/// the mount namespace, starts its child there (which joins the mount namespace and becomes the process, see
/// <see cref="ExecInit"/>), moves the child into the container's cgroup, releases it, waits, and records how it
/// ended. The protocol is drawn in PSContainer.Runtime/Process/ExecLauncher.cs. Everything runs on the main thread.
/// </summary>
internal static class ExecMonitor
{
    /// <summary>The namespaces joined here, in this order; the mount namespace is the child's to join.</summary>
    private static readonly string[] Joined = ["cgroup", "ipc", "uts", "network", "pid"];

    public static int Run(string bundleArgument, string processFile)
    {
        string bundleDirectory = Path.GetFullPath(bundleArgument);
        string exitFile = ExecLauncher.ExitFileFor(Path.GetFullPath(processFile));
        try
        {
            return Start(bundleDirectory, processFile, exitFile);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Record(exitFile, new ExitStatus { ExitCode = ShimExitCodes.RuntimeFailure, Error = Init.Describe(e), FinishedAt = DateTimeOffset.UtcNow });
        }
    }

    private static int Start(string bundleDirectory, string processFile, string exitFile)
    {
        Bundle bundle = PreparedBundle.Load(bundleDirectory, out byte[]? seccomp);
        ProcessSpec process = JsonSerializer.Deserialize(File.ReadAllBytes(processFile), SpecJsonContext.Default.ProcessSpec)
            ?? throw ContainerRuntimeException.InvalidArgument("ExecProcessInvalid", $"{processFile}: the process is null");
        process = process with { Env = process.Env ?? [], Cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd, User = process.User ?? new UserSpec() };

        // 1. The container's namespaces, opened through its init's /proc entry; then make sure that pid still is
        //    the container's init (its parent is the live monitor), so the descriptors cannot be a reused pid's.
        int init = RunningInit(bundleDirectory);
        string[] types = bundle.Spec.Linux.Namespaces.Select(n => n.Type).ToArray();
        List<(SafeFd Fd, string Type)> namespaces = [];
        foreach (string type in Joined.Where(types.Contains))
        {
            namespaces.Add((Namespaces.OpenOf(init, type), type));
        }

        using SafeFd mountNamespace = Namespaces.OpenOf(init, "mount");
        if (RunningInit(bundleDirectory) != init)
        {
            throw NotRunning(bundleDirectory);
        }

        // 2. Threads before setns(CLONE_NEWPID), after which this thread can create none (see Monitor).
        using SignalForwarder forwarder = new();
        using Pipe sync = Pipe.Create();
        using Pipe errors = Pipe.Create();
        (SafeFd consoleSocket, SafeFd consoleForChild) = FdPassing.SocketPair(); // a terminal's master, if any
        using SafeFd console = consoleSocket;
        foreach ((SafeFd fd, string type) in namespaces)
        {
            using (fd)
            {
                Namespaces.Enter(fd, Namespaces.CloneFlag(type));
            }
        }

        // 3. The child: in the container's PID namespace, our (host) mount namespace, with our stdio; posix_spawn,
        //    so the exit status is ours to reap (see SpawnedChild).
        sync.ReadEnd.SetCloseOnExec(false);
        errors.WriteEnd.SetCloseOnExec(false);
        mountNamespace.SetCloseOnExec(false);
        consoleForChild.SetCloseOnExec(false);
        SpawnedChild child = SpawnedChild.Start("/proc/self/exe",
        [
            "/proc/self/exe",
            "exec-init",
            bundleDirectory,
            sync.ReadEnd.Fd.ToString(CultureInfo.InvariantCulture),
            errors.WriteEnd.Fd.ToString(CultureInfo.InvariantCulture),
            mountNamespace.Fd.ToString(CultureInfo.InvariantCulture),
            consoleForChild.Fd.ToString(CultureInfo.InvariantCulture),
        ]);
        sync.ReadEnd.Dispose();
        errors.WriteEnd.Dispose();
        mountNamespace.Dispose();
        consoleForChild.Dispose();
        try
        {
            forwarder.ForwardTo(child.Id);

            // 4. Into the container's cgroup before it runs anything: its limits and freezer apply to it as well.
            CgroupState.ReadFrom(bundleDirectory)?.ToCgroup().Join(child.Id);

            RuntimeSpec spec = new() { Process = process, Linux = new LinuxSpec { Seccomp = bundle.Spec.Linux.Seccomp } };
            sync.WriteEnd.WriteAll(new InitRequest(new Bundle(bundleDirectory, spec, []), 0) { SeccompProgram = seccomp }.Encode());
            sync.WriteEnd.Dispose();
        }
        catch
        {
            sync.WriteEnd.Dispose();
            child.WaitForExit();
            throw;
        }

        // 5. EOF without data: the process was exec'd. A record: the child failed and is exiting.
        byte[] report = errors.ReadEnd.ReadToEnd(limit: 4096);

        // docker exec -t: the child sent its terminal's master before its exec; relay it (and our stdin into it)
        // until the process has exited and its output is drained, before reaping it.
        if (report.Length == 0 && process.Terminal && ContainerTerminal.Receive(console) is { } master)
        {
            using (master)
            using (ProcessHandle? handle = ProcessHandle.Open(child.Id, ProcessIdentity.Read(child.Id)?.StartTime ?? 0))
            {
                TerminalRelay.Run(master, handle);
            }
        }

        ChildExit exit = child.WaitForExit();
        if (report.Length > 0)
        {
            ErrorRecord error = ErrorRecord.Decode(report);
            return Record(exitFile, new ExitStatus { ExitCode = error.ExitCode, Error = error.Message, FinishedAt = DateTimeOffset.UtcNow });
        }

        return Record(exitFile, new ExitStatus { ExitCode = exit.ExitCode, Signal = exit.Signal, FinishedAt = DateTimeOffset.UtcNow });
    }

    /// <summary>The container's init pid, if the container is running: shim.json written, no exit.json, the init's parent a live psc-shim.</summary>
    private static int RunningInit(string bundleDirectory)
    {
        ShimState? shim = ShimState.ReadFrom(bundleDirectory);
        if (shim is null || File.Exists(Path.Combine(bundleDirectory, Bundle.ExitStatusFile)) ||
            ProcStat.TryRead(shim.Pid) is not { State: not 'Z' } init || init.ParentPid != shim.ShimPid ||
            ProcStat.TryRead(shim.ShimPid)?.Command != "psc-shim")
        {
            throw NotRunning(bundleDirectory);
        }

        return shim.Pid;
    }

    private static ContainerRuntimeException NotRunning(string bundleDirectory) =>
        ContainerRuntimeException.FailedPrecondition("ContainerNotRunning", $"container {Path.GetFileName(bundleDirectory)}: is not running");

    private static int Record(string exitFile, ExitStatus status)
    {
        if (status.Error is not null)
        {
            Console.Error.WriteLine("psc-shim: " + status.Error);
        }

        try
        {
            AtomicFileWrite(exitFile, status);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("psc-shim: " + exitFile + ": " + e.Message);
        }

        return status.ExitCode;
    }

    private static void AtomicFileWrite(string path, ExitStatus status) =>
        PSContainer.Runtime.State.AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(status, ProcessJsonContext.Default.ExitStatus), durable: false);
}
