namespace PSContainer.Shim;

/// <summary>
/// The command line of stage 1: <c>psc-shim run [--detach] [--remove] &lt;bundle&gt;</c> (see
/// PSContainer.Runtime.Process.ContainerLauncher.ShimArguments, which writes it).
/// </summary>
internal sealed record MonitorOptions(string Bundle, bool Detach, bool Remove)
{
    /// <summary>Parses the arguments after "run"; null when they are not a valid command line.</summary>
    public static MonitorOptions? Parse(ReadOnlySpan<string> args)
    {
        bool detach = false;
        bool remove = false;
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
        return bundle is null || (remove && !detach) ? null : new MonitorOptions(bundle, detach, remove);
    }
}
