// How a container is started: the engine (inside pwsh), psc-shim stage 1 (the monitor) and psc-shim stage 2
// (the container's init) talk over two pipes and four files in the bundle, in this order:
//
//   engine (pwsh)                    stage 1: psc-shim run <bundle>          stage 2: psc-shim init <bundle> <s> <e>
//   -------------                    ------------------------------          ---------------------------------------
//   writes config.json,
//   rootfs-mounts.json
//   Process.Start(sealed copy of ---> scans config.json for linux.namespaces
//   psc-shim, run <bundle>)
//   (stdin/stdout/stderr: pipes)     registers SIGTERM/INT/HUP forwarding
//                                    (its signal thread must exist before
//                                    the unshare)
//                                    pipe2 x2: sync s, error e
//                                    unshare(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET)
//                                    mount / rslave
//                                    posix_spawn(self init) --------------> born PID 1 in the new namespaces, with
//                                    (stdio inherited; see SpawnedChild)      the engine's stdin/stdout/stderr, the
//                                                                             read end of s, the write end of e
//                                    closes its copies of those two ends      (its runtime starts: ~10 ms)
//                                    setns back to the host mount namespace   sets PDEATHSIG=SIGKILL
//                                    loads config.json + rootfs-mounts.json   blocks reading s to end of file
//                                    (+ seccomp.bpf if it matches)
//                                    [hook: creates the cgroup, applies the
//                                    limits, moves stage 2 in; (network)]
//                                    s: init request ("PSC2", the bundle in
//                                    binary form), close ----------------->  decodes the request: released
//                                    writes shim.json                         setsid, umask 0
//                                    {shimPid, pid, startedAt}                mounts rootfs-mounts.json onto rootfs,
//                                    blocks reading e                         proc, dev, devpts, shm, mqueue, sys,
//                                                                             (unshares its cgroup namespace first)
//                                                                             cgroup fs, config mounts, device nodes
//                                                                             sethostname, lo up, pivot_root
//                                                                             read-only and masked paths
//                                                                             fds >= 3 close-on-exec, rlimits,
//                                                                             no_new_privs, bounding set, keepcaps,
//                                                                             setgroups/setgid/setuid, capset,
//                                                                             chdir cwd (checked), resolve args[0]
//                                                                             seccomp filter, reset ignored signals,
//                                                                             empty mask
//                                                       on failure  <------  e: "<125|126|127> <message>", exit
//                                                       on success  <------  execve: e closes (CLOEXEC), EOF
//   reads stdout/stderr, <---------------------------------------------------  payload, PID 1, runs
//   writes stdin (close = EOF)
//                                    waitpid: exit code or signal
//                                    reads the OOM count, removes the cgroup
//                                    writes exit.json
//                                    {exitCode, signal, oomKilled, error, …}
//   WaitForExitAsync: shim exits <-- exits with the container's code
//   -> reads exit.json               (error text also on stderr, "psc-shim: ")
//
// End of file on s without a request (stage 1 died or gave up) makes stage 2 exit.
// Signals: SIGTERM, SIGINT and SIGHUP sent to stage 1 go to the container's init. RunningContainer.Kill sends
// SIGKILL to the init (pid from shim.json), or to stage 1 if the init is not recorded yet; stage 2 dies with
// stage 1 through PDEATHSIG. psc-shim never uses System.Diagnostics.Process, so its waitpid races nobody.

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
    /// Starts the container described by the bundle in <paramref name="bundleDirectory"/>. Its stdin, stdout and
    /// stderr are pipes to this process: read both outputs (or they fill up and the container blocks), and
    /// close stdin when it has nothing more to read.
    /// </summary>
    public RunningContainer Start(string bundleDirectory)
    {
        string bundle = Path.GetFullPath(bundleDirectory);
        if (!File.Exists(Path.Combine(bundle, Bundle.ConfigFile)))
        {
            throw ContainerRuntimeException.NotFound("BundleNotFound", $"bundle {bundle}: no {Bundle.ConfigFile}", bundle);
        }

        if (!File.Exists(ShimPath))
        {
            throw ContainerRuntimeException.NotFound("ShimNotFound",
                $"psc-shim {ShimPath}: not found (build it with dotnet publish src/PSContainer.Shim, or set ${ShimPathVariable})", ShimPath);
        }

        // Results of an earlier run must not be taken for this one's.
        File.Delete(Path.Combine(bundle, Bundle.ShimStateFile));
        File.Delete(Path.Combine(bundle, Bundle.ExitStatusFile));

        // Never the binary on disk: a sealed copy of it (CVE-2019-5736, see SealedShim).
        ShimStartInfo startInfo = new(SealedShim.PathFor(ShimPath))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "run", bundle },
        };

        ShimProcess shim;
        try
        {
            shim = ShimProcess.Start(startInfo)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw ContainerRuntimeException.Unavailable("ShimStartFailed", $"psc-shim {ShimPath}: {e.Message}", e, ShimPath);
        }

        return new RunningContainer(shim, bundle);
    }
}
