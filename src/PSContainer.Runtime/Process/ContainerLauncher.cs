// How a container is started: the engine (inside pwsh), psc-shim stage 1 (the monitor) and psc-shim stage 2
// (the container's init) talk over pipes and files in the bundle, in this order:
//
//   engine (pwsh)                    stage 1: psc-shim run [--await-go] [--detach] [--remove] <bundle>
//   -------------                    -----------------------------------------------------------------
//   docker run (PrepareRun): starts                                         stage 2: psc-shim init <bundle> <s> <e> <c>
//   the shim with --await-go first,                                         -------------------------------------------
//   then finds the image and writes
//   the bundle (config.json, ...)
//   Process.Start(sealed copy of ---> setsid: a session of its own (the container
//   psc-shim, run <bundle>)          outlives the terminal and the pwsh)
//   (stdin/stdout/stderr: pipes)     closes fds it inherited by accident
//   --await-go: "go\n" on stdin ---> --await-go: reads stdin up to "\n", a byte
//   once the bundle is written       at a time (EOF: called off, exits 0
//   (disposed unused: closes stdin)  having touched nothing)
//   detached: closes stdin           detached: stdin := /dev/null
//                                    scans config.json for linux.namespaces
//                                    registers SIGTERM/INT/HUP forwarding
//                                    (its signal thread must exist before
//                                    the unshare)
//                                    pipe2 x4: sync s, error e, stdout, stderr;
//                                    socketpair c (a terminal's master)
//                                    unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET)
//                                    mount / rslave
//                                    posix_spawn(self init) --------------> born PID 1 in the new namespaces, with
//                                    (stdin inherited; stdout and stderr      stage 1's stdin, two fresh pipes as
//                                    two new pipes that stage 1 reads;        stdout/stderr, the read end of s, the
//                                    see SpawnedChild)                        write end of e
//                                    closes its copies of s-read, e-write     (its runtime starts: ~6 ms)
//                                    setns back to the host mount namespace   sets PDEATHSIG=SIGKILL
//                                    opens container.log (append)
//                                    loads init.bin (the JSON files, decoded  blocks reading s to end of file
//                                    by the engine; read afresh if stale)
//                                    [hook: creates the cgroup, applies the
//                                    limits, moves stage 2 in; (network)]
//                                    s: init request ("PSC2", the bundle in
//                                    binary form), close ----------------->  decodes the request: released
//                                    writes shim.json {shimPid, pid,          setsid, umask 0
//                                    their /proc start times, startedAt}      mounts rootfs-mounts.json onto rootfs,
//                                    blocks reading e                         proc, dev, devpts, shm, mqueue, sys,
//                                                                             (unshares its cgroup namespace first)
//                                                                             cgroup fs, config mounts, device nodes
//                                                                             sethostname, lo up, pivot_root
//                                                                             read-only and masked paths
//                                                                             process.terminal (-Tty): a pty from
//                                                                             the container's /dev/ptmx; its master
//                                                                             sent over c (SCM_RIGHTS), the peer
//                                                                             becomes ctty and stdin/stdout/stderr
//                                                                             fds >= 3 close-on-exec, rlimits,
//                                                                             no_new_privs, bounding set, keepcaps,
//                                                                             setgroups/setgid/setuid, capset,
//                                                                             chdir cwd (checked), resolve args[0]
//                                                                             seccomp filter, reset ignored signals,
//                                                                             empty mask
//                                                       on failure  <------  e: "<125|126|127> <message>", exit
//                                                       on success  <------  execve: e closes (CLOEXEC), EOF
//                                    -Tty: receives the master from c; the
//                                    relay reads it (as stdout) and writes
//                                    its own stdin into it (attached)
//   reads "started\n" on stdout <---- success: writes "started\n" to stdout
//   (EOF instead: it failed; the     (detached: first stdout, stderr :=
//   reason is on stderr and in       /dev/null, the line then goes out on a
//   exit.json)                       copy of stdout, closed at once)
//   detached: closes its pipes and
//   returns; the shim runs on
//                                    relays the container's stdout/stderr <-  payload, PID 1, runs; writes to its
//   attached: reads stdout/stderr <- line by line into container.log and,     stdout/stderr pipes
//   writes stdin (close = EOF)       attached, byte for byte to its own
//                                    until both pipes end (or the init has
//                                    exited and they are drained: pidfd)
//                                    waitpid: exit code or signal
//                                    reads the OOM count, removes the cgroup
//                                    writes exit.json
//                                    {exitCode, signal, oomKilled, error, …}
//   attached: its pipes end <-------- attached: stdout, stderr := /dev/null
//   WaitForExitAsync reads exit.json  (the engine reads the end, and removes
//   (no wait for the process; with    an -Remove container, while this process
//   -Remove the removal overlaps its  is still being torn down)
//   teardown and waits for it last)  --remove: waiters.lock EX, lock EX, and
//                                    if shim.json is still its own, deletes
//                                    the container directory
//   shim exits (reaped) <----------- exits with the container's code
//                                    (error text also on stderr, "psc-shim: ")
//
// End of file on s without a request (stage 1 died or gave up) makes stage 2 exit.
// Signals: SIGTERM, SIGINT and SIGHUP sent to stage 1 go to the container's init. RunningContainer.Kill sends
// SIGKILL to the init (pid from shim.json, checked against its start time), or to stage 1 if the init is not
// recorded yet; stage 2 dies with stage 1 through PDEATHSIG. psc-shim never uses System.Diagnostics.Process, so
// its waitpid races nobody.

using PSContainer.Runtime.Errors;
using ShimProcess = System.Diagnostics.Process;
using ShimStartInfo = System.Diagnostics.ProcessStartInfo;

namespace PSContainer.Runtime.Process;

/// <summary>
/// Starts containers from prepared bundles (see <see cref="Bundle"/>) by running psc-shim, the NativeAOT helper
/// that does the namespace work outside this (multi-threaded, managed) process. The protocol is drawn above.
/// </summary>
public sealed class ContainerLauncher
{
    /// <summary>The environment variable that overrides where psc-shim is.</summary>
    public const string ShimPathVariable = "PSCONTAINER_SHIM";

    public ContainerLauncher(string? shimPath = null)
    {
        ShimPath = shimPath ?? DefaultShimPath;
    }

    /// <summary>$env:PSCONTAINER_SHIM if set, else psc-shim next to this assembly.</summary>
    public static string DefaultShimPath => ShimPathFrom(Environment.GetEnvironmentVariable(ShimPathVariable));

    internal static string ShimPathFrom(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

#pragma warning disable IL3000 // Location is empty in a single-file app; AppContext.BaseDirectory covers that.
        string location = typeof(ContainerLauncher).Assembly.Location;
#pragma warning restore IL3000
        string directory = string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
        return Path.Combine(directory, "psc-shim");
    }

    public string ShimPath { get; }

    /// <summary>
    /// Starts the container described by the bundle in <paramref name="bundleDirectory"/> and returns once its
    /// command runs (or could not be run: then <see cref="RunningContainer.Started"/> is false and
    /// <see cref="RunningContainer.WaitForExitAsync"/> tells why). Attached, its stdin, stdout and stderr are pipes
    /// to this process: read both outputs (or they fill up and the container blocks), and close stdin when it has
    /// nothing more to read. Detached, there are no pipes left, and the container outlives this process.
    /// </summary>
    public async Task<RunningContainer> StartAsync(string bundleDirectory, LaunchOptions options, CancellationToken cancellationToken)
    {
        string bundle = Path.GetFullPath(bundleDirectory);
        PreparedLaunch.CheckBundle(bundle);
        using PreparedLaunch launch = Spawn(bundle, options, awaitGo: false);
        return await launch.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// docker run's head start: starts psc-shim for a container whose bundle is still to be written, so that its
    /// runtime starts while the engine creates the container. The shim touches nothing until
    /// <see cref="PreparedLaunch.StartAsync"/> tells it to go; disposed unused, it exits without a trace.
    /// </summary>
    public PreparedLaunch Prepare(string bundleDirectory, LaunchOptions options) =>
        Spawn(Path.GetFullPath(bundleDirectory), options, awaitGo: true);

    private PreparedLaunch Spawn(string bundle, LaunchOptions options, bool awaitGo)
    {
        if (!File.Exists(ShimPath))
        {
            throw ContainerRuntimeException.NotFound("ShimNotFound",
                $"psc-shim {ShimPath}: not found (build it with dotnet publish src/PSContainer.Shim, or set ${ShimPathVariable})", ShimPath);
        }

        if (!awaitGo)
        {
            PreparedLaunch.ForgetEarlierRun(bundle); // before the shim can write this run's files
        }

        // Never the binary on disk: a sealed copy of it (CVE-2019-5736, see SealedShim).
        ShimStartInfo startInfo = new(SealedShim.PathFor(ShimPath))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in ShimArguments(bundle, options, awaitGo))
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            return new PreparedLaunch(ShimProcess.Start(startInfo)!, bundle, options, awaitGo);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw ContainerRuntimeException.Unavailable("ShimStartFailed", $"psc-shim {ShimPath}: {e.Message}", e, ShimPath);
        }
    }

    /// <summary>psc-shim's command line: <c>run [--await-go] [--detach] [--remove] &lt;bundle&gt;</c>.</summary>
    internal static IEnumerable<string> ShimArguments(string bundle, LaunchOptions options, bool awaitGo = false)
    {
        yield return "run";
        if (awaitGo)
        {
            yield return "--await-go";
        }

        if (options.Detach)
        {
            yield return "--detach";
            if (options.AutoRemove)
            {
                yield return "--remove";
            }
        }

        yield return bundle;
    }
}
