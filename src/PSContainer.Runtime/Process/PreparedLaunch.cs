using PSContainer.Runtime.Errors;
using ShimProcess = System.Diagnostics.Process;

namespace PSContainer.Runtime.Process;

/// <summary>
/// A psc-shim stage 1 that has been started but not yet told to start its container (see
/// <see cref="ContainerLauncher.Prepare"/>): it has its session and waits for "go" on its stdin before it reads the
/// bundle. runc's create/start split has the same shape (its init waits on exec.fifo); here the point is time — the
/// shim's runtime starts (several milliseconds) while the engine writes the bundle. Disposed without
/// <see cref="StartAsync"/>, the shim gets end of file instead and exits having touched nothing.
/// </summary>
public sealed class PreparedLaunch : IDisposable
{
    private static readonly byte[] GoLine = "go\n"u8.ToArray();

    private readonly bool _awaitsGo;
    private ShimProcess? _shim;

    internal PreparedLaunch(ShimProcess shim, string bundleDirectory, LaunchOptions options, bool awaitsGo)
    {
        _shim = shim;
        BundleDirectory = bundleDirectory;
        Options = options;
        _awaitsGo = awaitsGo;
    }

    /// <summary>The bundle the shim will run (an absolute path).</summary>
    public string BundleDirectory { get; }

    public LaunchOptions Options { get; }

    /// <summary>The waiting shim's pid (tests); 0 once started or disposed.</summary>
    internal int ShimProcessId => _shim?.Id ?? 0;

    /// <summary>True when this launch is for <paramref name="bundleDirectory"/> with <paramref name="options"/>.</summary>
    public bool IsFor(string bundleDirectory, LaunchOptions options) =>
        _shim is not null && Options == options && Path.GetFullPath(bundleDirectory) == BundleDirectory;

    /// <summary>
    /// Lets the shim go and returns once the container's command runs, or could not be run (as
    /// <see cref="ContainerLauncher.StartAsync"/>). The bundle must be complete by now. Once only.
    /// </summary>
    public async Task<RunningContainer> StartAsync(CancellationToken cancellationToken)
    {
        ShimProcess shim = Interlocked.Exchange(ref _shim, null) ?? throw new InvalidOperationException("this launch has already been started or disposed");
        RunningContainer container = new(shim, BundleDirectory, Options.Detach);
        try
        {
            if (_awaitsGo)
            {
                CheckBundle(BundleDirectory);
                ForgetEarlierRun(BundleDirectory);
                TellGo(shim);
            }

            if (Options.Detach)
            {
                shim.StandardInput.Close(); // the shim replaces its stdin with /dev/null anyway
            }

            await container.ReadHandshakeAsync(cancellationToken).ConfigureAwait(false);
            return container;
        }
        catch
        {
            container.Kill();
            container.Dispose();
            throw;
        }
    }

    /// <summary>Unused: the shim reads end of file where "go" would have been, and exits; it is reaped here.</summary>
    public void Dispose()
    {
        ShimProcess? shim = Interlocked.Exchange(ref _shim, null);
        if (shim is null)
        {
            return;
        }

        try
        {
            shim.StandardInput.Close();
        }
        catch (IOException)
        {
            // It has gone already.
        }

        if (!shim.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            shim.Kill();
            shim.WaitForExit();
        }

        shim.Dispose();
    }

    internal static void CheckBundle(string bundle)
    {
        if (!File.Exists(Path.Combine(bundle, Bundle.ConfigFile)))
        {
            throw ContainerRuntimeException.NotFound("BundleNotFound", $"bundle {bundle}: no {Bundle.ConfigFile}", bundle);
        }
    }

    /// <summary>Results of an earlier run must not be taken for this one's.</summary>
    internal static void ForgetEarlierRun(string bundle)
    {
        File.Delete(Path.Combine(bundle, Bundle.ShimStateFile));
        File.Delete(Path.Combine(bundle, Bundle.ExitStatusFile));
    }

    private static void TellGo(ShimProcess shim)
    {
        try
        {
            Stream stdin = shim.StandardInput.BaseStream;
            stdin.Write(GoLine);
            stdin.Flush();
        }
        catch (IOException)
        {
            // The shim died before it was told: the handshake finds end of file, and its exit says why.
        }
    }
}
