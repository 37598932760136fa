using System.Globalization;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Shim;

/// <summary>
/// Stage 1, the monitor: creates the namespaces, starts stage 2 inside them, releases it, reports whether the
/// payload could be exec'd, waits for it and records how it ended. The protocol is drawn in
/// ContainerLauncher.cs. Everything here runs on the main thread, synchronously: no async, Tasks or pool.
/// </summary>
internal static class Monitor
{
    public static int Run(MonitorOptions options)
    {
        string bundleDirectory = Path.GetFullPath(options.Bundle);
        try
        {
            return Start(bundleDirectory, options);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(bundleDirectory, new ErrorRecord(ShimExitCodes.RuntimeFailure, Init.Describe(e)));
        }
    }

    private static int Start(string bundleDirectory, MonitorOptions options)
    {
        // 0. A session of its own, nothing inherited by accident, "go" when the engine is still writing the bundle,
        //    and detached, stdin from /dev/null (Session.cs). Called off: nothing was touched, nothing to record.
        if (!Session.Begin(options.Detach, options.AwaitGo))
        {
            return 0;
        }

        // Only the namespaces for now (a fast scan): the rest is read in step 7, off the critical path.
        IReadOnlyList<NamespaceSpec> namespaces = Bundle.ReadNamespaces(bundleDirectory);
        int flags = Namespaces.FlagsToCreate(namespaces);
        if (!Namespaces.Includes(flags, "mount"))
        {
            // Stage 2 mounts over the rootfs and pivot_roots: in the host's mount namespace that would be the
            // host's root that moves. runc refuses such a config too.
            throw ContainerRuntimeException.InvalidArgument("MountNamespaceRequired",
                "config.json linux.namespaces: a new mount namespace is required");
        }

        // 1. Every thread this process will ever need must exist before the unshare: after
        //    unshare(CLONE_NEWPID) clone(CLONE_THREAD) fails with EINVAL on this thread. Registering for
        //    signals starts the runtime's signal thread (whose children, the per-signal handler threads, are fine).
        using SignalForwarder forwarder = new();

        // 2. Our own mount namespace, to come back to once stage 2 has been started (step 6).
        using SafeFd hostMountNamespace = Namespaces.OpenCurrent("mnt");

        // 3. The pipes, before the unshare too (nothing in them depends on namespaces). Both ends are
        //    close-on-exec until the moment stage 2 is started.
        using Pipe sync = Pipe.Create();    // the init request ("go"): stage 1 -> stage 2
        using Pipe errors = Pipe.Create();  // error record or EOF: stage 2 -> stage 1
        using Pipe stdout = Pipe.Create();  // the container's stdout and stderr: stage 2 -> stage 1 (LogRelay)
        using Pipe stderr = Pipe.Create();
        (SafeFd consoleSocket, SafeFd consoleForInit) = FdPassing.SocketPair(); // a terminal's master, if any: 2 -> 1
        using SafeFd console = consoleSocket;

        // 4. New namespaces for this thread (after joining those the config names by path); the process
        //    posix_spawn starts from it inherits them, and is PID 1 of the new PID namespace. The copied mount tree
        //    must not share events with the host's: make it rslave before anything is mounted in it. The cgroup
        //    namespace is left to stage 2, which creates it once it is in its cgroup (see Init).
        Namespaces.JoinExisting(namespaces);
        Namespaces.Unshare(flags & ~Namespaces.CloneFlag("cgroup"));
        Mounter.MakeRecursiveSlave("/");

        // 5. Start stage 2. Only its two pipe ends are made inheritable, and only for this one start. Its stdin is
        //    ours (the engine's pipe, or /dev/null when detached); its stdout and stderr are new pipes that this
        //    process relays (LogRelay), so the output is logged and survives the engine.
        sync.ReadEnd.SetCloseOnExec(false);
        errors.WriteEnd.SetCloseOnExec(false);
        consoleForInit.SetCloseOnExec(false);
        // /proc/self/exe rather than a path: psc-shim runs from a sealed copy (see Process/SealedShim) that has none.
        // posix_spawn, not Process.Start: the exit status must be ours to reap (see SpawnedChild).
        SpawnedChild init = SpawnedChild.Start("/proc/self/exe",
        [
            "/proc/self/exe",
            "init",
            bundleDirectory,
            sync.ReadEnd.Fd.ToString(CultureInfo.InvariantCulture),
            errors.WriteEnd.Fd.ToString(CultureInfo.InvariantCulture),
            consoleForInit.Fd.ToString(CultureInfo.InvariantCulture),
        ], stdout.WriteEnd, stderr.WriteEnd);
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;

        // Our copies of stage 2's ends go at once: EOF on the error pipe must mean "stage 2 closed it".
        sync.ReadEnd.Dispose();
        errors.WriteEnd.Dispose();
        consoleForInit.Dispose();
        stdout.WriteEnd.Dispose();
        stderr.WriteEnd.Dispose();
        using LogRelay relay = LogRelay.Open(bundleDirectory, stdout.ReadEnd, stderr.ReadEnd);

        // Stage 2 is blocked on the sync pipe, so it is surely alive here: its start time names it from now on,
        // and its pidfd tells the relay when it has exited.
        ulong initStartTime = ProcessIdentity.Read(init.Id)?.StartTime ?? 0;
        using ProcessHandle? initHandle = ProcessHandle.Open(init.Id, initStartTime);
        Cgroup? cgroup = null;
        bool terminal = false;
        try
        {
            // 6. Back to the host's mount namespace before stage 2 may pivot_root: pivot_root moves the root
            //    and cwd of every task in the namespace whose root is the old root, and that would include us.
            Namespaces.Enter(hostMountNamespace, Namespaces.CloneFlag("mount"));

            forwarder.ForwardTo(init.Id);

            // 7. The whole bundle, read and checked here while stage 2's runtime starts on the other core;
            //    stage 2 receives it pre-digested (InitRequest) and skips the JSON work.
            Bundle bundle = PreparedBundle.Load(bundleDirectory, out byte[]? seccomp);
            terminal = bundle.Spec.Process.Terminal;
            IReadOnlyList<CgroupHierarchy> hierarchies = CgroupHierarchy.Mounted();
            byte[] request = StageTwoRequest.Build(bundle, seccomp, flags, hierarchies);

            // 8. Hook: stage 2 is placed in its cgroup (and its network would be wired) while it waits for its release.
            cgroup = CgroupSetup.Place(bundle, hierarchies, init.Id);

            // 9. Release stage 2: the request, then end of file. Then record it (while it mounts).
            sync.WriteEnd.WriteAll(request);
            sync.WriteEnd.Dispose();
        }
        catch
        {
            // Stage 2 sees end of file without a request and exits; wait for it so nothing outlives us.
            sync.WriteEnd.Dispose();
            init.WaitForExit();
            CgroupSetup.Finish(cgroup);
            throw;
        }

        new ShimState
        {
            ShimPid = Environment.ProcessId,
            ShimStartTime = ProcessIdentity.Read(Environment.ProcessId)?.StartTime ?? 0,
            Pid = init.Id,
            PidStartTime = initStartTime,
            StartedAt = startedAt,
        }.WriteTo(bundleDirectory);

        // 10. EOF without data: the payload was exec'd; say so to the engine (and, detached, let go of it). A
        //     record: stage 2 failed and is exiting. Either way the relay then runs to the end of the output.
        byte[] report = errors.ReadEnd.ReadToEnd(limit: 4096);
        bool started = report.Length == 0;
        if (started)
        {
            // docker run -t: stage 2 sent the terminal's master before its exec; the container's output comes from it,
            // and (attached) our stdin goes into it.
            if (terminal && ContainerTerminal.Receive(console) is { } master)
            {
                relay.UseTerminal(master, input: !options.Detach);
            }

            Session.ReportStarted(options.Detach);
            if (options.Detach)
            {
                relay.StopPassThrough();
            }
        }

        relay.Run(initHandle);
        ChildExit exit = init.WaitForExit();
        bool oomKilled = CgroupSetup.Finish(cgroup);
        if (!started)
        {
            return Fail(bundleDirectory, ErrorRecord.Decode(report));
        }

        // 11. The container's status, from waitpid: its exit code, or 128 + n and the signal n that killed it.
        ExitStatus status = new()
        {
            ExitCode = exit.ExitCode,
            Signal = exit.Signal,
            OOMKilled = oomKilled,
            FinishedAt = DateTimeOffset.UtcNow,
        };
        status.WriteTo(bundleDirectory);

        // Attached, the engine's pipes end here rather than when this process has exited: the end is recorded, so the
        // engine reads it (and, with --rm, deletes the container) while this process is still being torn down.
        if (!options.Detach)
        {
            Stdio.RedirectToNull(1, 2);
        }

        // 12. docker run --rm -d: the container goes once its end is recorded (and read by whoever waits for it).
        if (options.Remove)
        {
            AutoRemove.Run(bundleDirectory);
        }

        return status.ExitCode;
    }

    private static int Fail(string bundleDirectory, ErrorRecord error)
    {
        Console.Error.WriteLine("psc-shim: " + error.Message);
        try
        {
            new ExitStatus { ExitCode = error.ExitCode, Error = error.Message, FinishedAt = DateTimeOffset.UtcNow }
                .WriteTo(bundleDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("psc-shim: " + Bundle.ExitStatusFile + ": " + e.Message);
        }

        return error.ExitCode;
    }
}
