using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// psc-shim: starts one container from a bundle (see PSContainer.Runtime.Process.Bundle for the format and
/// ContainerLauncher.cs for the protocol between the engine and the two stages).
/// <code>
/// psc-shim run [--detach] [--remove] &lt;bundle&gt;     stage 1, the monitor (what the engine starts)
/// psc-shim init &lt;bundle&gt; &lt;sync-fd&gt; &lt;error-fd&gt;   stage 2, the container's init (started by stage 1 only)
/// </code>
/// Main stays tiny: everything the container's start-up time does not need is left out of this path.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "run" && MonitorOptions.Parse(args.AsSpan(1)) is { } options)
        {
            return Monitor.Run(options);
        }

        if (args.Length == 4 && args[0] == "init")
        {
            return Init.Run(args[2], args[3]); // args[1], the bundle, is there for ps(1) to show
        }

        Console.Error.WriteLine("usage: psc-shim run [--detach [--remove]] <bundle>");
        return ShimExitCodes.RuntimeFailure;
    }
}
