// How a process is started in a running container ("exec"): the engine, psc-shim's exec helper and its child:
//
//   engine (pwsh)                   psc-shim exec <bundle> <file>            psc-shim exec-init … <s> <e> <mnt>
//   -------------                   -----------------------------            ------------------------------------
//   writes exec/<id>.json (the
//   process: OCI "process" object)
//   Process.Start(sealed shim) ---> reads config.json, shim.json, <id>.json
//   (stdio: pipes)                  opens /proc/<init>/ns/*, checks the init
//                                   is still the container's (its parent is
//                                   the live monitor)
//                                   compiles linux.seccomp (libseccomp)
//                                   registers signal forwarding (its thread
//                                   must exist before setns(pid))
//                                   setns ipc, uts, net, pid, cgroup
//                                   Process.Start(self exec-init) ---------> born in the container's PID namespace,
//                                   (stdio inherited)                        host mount namespace; sets PDEATHSIG,
//                                   moves the child into the container's     blocks reading s
//                                   cgroup (cgroup.json)
//                                   s: init request (the process), close -> unshare(CLONE_FS), setns(mnt): now in
//                                                                            the container's root; setsid
//                                                                            fds >= 3 CLOEXEC, rlimits, no_new_privs,
//                                                                            bounding set, user, capabilities, chdir,
//                                                                            seccomp, execve
//                                   on failure: record from e <-------------- e: "<125|126|127> <message>"
//   reads stdout/stderr, <------------------------------------------------- payload runs
//   writes stdin
//                                   waits; writes exec/<id>.exit.json
//   WaitForExitAsync: reads it <--- exits with the payload's code
//
// The mount namespace is joined by the child, not by the helper: after that setns, /proc is the container's, where
// the helper's own /proc/self does not exist, so it could no longer start anything from /proc/self/exe.

using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using PSContainer.Runtime.State;
using ShimProcess = System.Diagnostics.Process;
using ShimStartInfo = System.Diagnostics.ProcessStartInfo;

namespace PSContainer.Runtime.Process;

/// <summary>Starts processes in running containers through psc-shim's exec mode (protocol above).</summary>
public sealed class ExecLauncher
{
    /// <summary>The bundle's subdirectory for the files of each exec: &lt;id&gt;.json, &lt;id&gt;.exit.json.</summary>
    public const string ExecDirectory = "exec";

    public ExecLauncher(string? shimPath = null)
    {
        ShimPath = shimPath ?? ContainerLauncher.DefaultShimPath;
    }

    public string ShimPath { get; }

    /// <summary>
    /// Runs <paramref name="process"/> in the container whose bundle is <paramref name="bundleDirectory"/>. Its stdin,
    /// stdout and stderr are pipes to this process, as with <see cref="ContainerLauncher.Start"/>.
    /// </summary>
    public RunningExec Start(string bundleDirectory, ProcessSpec process)
    {
        string bundle = Path.GetFullPath(bundleDirectory);
        string id = Guid.NewGuid().ToString("N");
        string processFile = Path.Combine(bundle, ExecDirectory, id + ".json");
        AtomicFile.Write(processFile, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(process, SpecJsonContext.Default.ProcessSpec), durable: false);
        ShimStartInfo startInfo = new(SealedShim.PathFor(ShimPath))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "exec", bundle, processFile },
        };

        try
        {
            return new RunningExec(ShimProcess.Start(startInfo)!, processFile);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            File.Delete(processFile);
            throw ContainerRuntimeException.Unavailable("ShimStartFailed", $"psc-shim {ShimPath}: {e.Message}", e, ShimPath);
        }
    }

    /// <summary>Where the exec helper records how the process ended: &lt;id&gt;.exit.json beside &lt;id&gt;.json.</summary>
    public static string ExitFileFor(string processFile) => Path.ChangeExtension(processFile, ".exit.json");
}
