using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// psc-shim: starts one container from a bundle (see PSContainer.Runtime.Process.Bundle for the format and
/// ContainerLauncher.cs for the protocol between the engine and the two stages), or runs a command in a running one.
/// <code>
/// psc-shim run [--detach] [--remove] &lt;bundle&gt;         stage 1, the monitor (what the engine starts)
/// psc-shim init &lt;bundle&gt; &lt;sync&gt; &lt;error&gt; &lt;console&gt;   stage 2, the container's init (started by stage 1 only)
/// psc-shim exec &lt;bundle&gt; &lt;process.json&gt;               joins a running container and runs a process in it
/// psc-shim exec-init &lt;bundle&gt; &lt;sync&gt; &lt;error&gt; &lt;mnt&gt; &lt;console&gt;   its child in the container (started by exec only)
/// </code>
/// Main stays tiny: everything the container's start-up time does not need is left out of this path.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        // The engine runs us from a sealed memory copy, whose /proc/self/exe name is a number: name ourselves, so
        // ps(1) and the engine's liveness check (comm = psc-shim) see what this is.
        ProcessControl.SetName("psc-shim");
        if (args.Length >= 2 && args[0] == "run" && MonitorOptions.Parse(args.AsSpan(1)) is { } options)
        {
            return Monitor.Run(options);
        }

        if (args.Length == 5 && args[0] == "init")
        {
            return Init.Run(args[2], args[3], args[4]); // args[1], the bundle, is there for ps(1) to show
        }

        if (args.Length == 3 && args[0] == "exec")
        {
            return ExecMonitor.Run(args[1], args[2]);
        }

        if (args.Length == 6 && args[0] == "exec-init")
        {
            return ExecInit.Run(args[2], args[3], args[4], args[5]);
        }

        Console.Error.WriteLine("usage: psc-shim run [--detach [--remove]] <bundle> | psc-shim exec <bundle> <process.json>");
        return ShimExitCodes.RuntimeFailure;
    }
}
