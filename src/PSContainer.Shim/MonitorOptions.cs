namespace PSContainer.Shim;

/// <summary>
/// The command line of stage 1: <c>psc-shim run [--await-go] [--detach] [--remove] &lt;bundle&gt;</c> (see
/// PSContainer.Runtime.Process.ContainerLauncher.ShimArguments, which writes it). --await-go: the bundle is still
/// being written; wait for "go" on stdin before touching it (PSContainer.Runtime.Process.PreparedLaunch).
/// </summary>
internal sealed record MonitorOptions(string Bundle, bool Detach, bool Remove, bool AwaitGo = false)
{
    /// <summary>Parses the arguments after "run"; null when they are not a valid command line.</summary>
    public static MonitorOptions? Parse(ReadOnlySpan<string> args)
    {
        bool detach = false;
        bool remove = false;
        bool awaitGo = false;
        string? bundle = null;
        foreach (string arg in args)
        {
            switch (arg)
            {
                case "--detach":
                    detach = true;
                    break;
                case "--remove":
                    remove = true;
                    break;
                case "--await-go":
                    awaitGo = true;
                    break;
                default:
                    if (bundle is not null || arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        return null;
                    }

                    bundle = arg;
                    break;
            }
        }

        // --remove belongs to a detached run: attached, the engine reads exit.json first and removes afterwards.
        return bundle is null || (remove && !detach) ? null : new MonitorOptions(bundle, detach, remove, awaitGo);
    }
}
