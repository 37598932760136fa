using System.Diagnostics;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>
/// Provides psc-shim to the end-to-end tests, which are root-only: they create namespaces and mounts.
/// Where the shim comes from:
/// <list type="number">
/// <item>$PSCONTAINER_SHIM, if set (as in <c>dotnet publish src/PSContainer.Shim -c Release -o out/shim &amp;&amp;
/// PSCONTAINER_SHIM=$PWD/out/shim/psc-shim dotnet test tests/Unit</c>); the caller vouches that it is current.</item>
/// <item>Otherwise this fixture runs that same <c>dotnet publish</c> into &lt;repo&gt;/out/shim once per test run and
/// uses out/shim/psc-shim. Publishing is incremental: a few seconds when nothing changed (about a minute the
/// first time), and it can never leave the tests running a stale shim.</item>
/// </list>
/// Not being root, or the shim failing to build, fails every test in the collection: a skipped test here
/// would read as a pass.
/// </summary>
public sealed class ShimFixture
{
    public ShimFixture()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("the psc-shim tests need root (namespaces, mounts, pivot_root)");
        }

        string? configured = Environment.GetEnvironmentVariable("PSCONTAINER_SHIM");
        ShimPath = string.IsNullOrEmpty(configured) ? Publish() : configured;
        if (!File.Exists(ShimPath))
        {
            throw new FileNotFoundException("psc-shim not found", ShimPath);
        }

        BusyboxPath = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("busybox not found: install the busybox-static package");
    }

    public string ShimPath { get; }

    /// <summary>A statically linked busybox, copied into each test's root filesystem.</summary>
    public string BusyboxPath { get; }

    private static string Publish()
    {
        string repo = FindRepositoryRoot();
        string output = Path.Combine(repo, "out", "shim");
        ProcessStartInfo info = new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "publish", "src/PSContainer.Shim", "-c", "Release", "-o", output, "-nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process publish = System.Diagnostics.Process.Start(info)!;
        Task<string> stderr = publish.StandardError.ReadToEndAsync();
        string stdout = publish.StandardOutput.ReadToEnd();
        publish.WaitForExit();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish src/PSContainer.Shim failed ({publish.ExitCode}):\n{stdout}\n{stderr.Result}");
        }

        return Path.Combine(output, "psc-shim");
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSContainer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (PSContainer.sln) above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class ShimCollection : ICollectionFixture<ShimFixture>
{
    public const string Name = "psc-shim";
}
