using System.Text.Json;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Process;

public sealed class BundleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psc-bundle-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Configs => new()
    {
        """{"ociVersion":"1.2.0","linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}]}}""",
        """{"process":{"args":["sh"]},"linux":{"resources":{"memory":{"limit":1}},"namespaces":[{"path":null,"type":"mount"}],"sysctl":{"a":"b"}}}""",
        """{"linux":{}}""",
        """{"hostname":"x"}""",
        """{"linux":null}""",
        """{"linux":{"namespaces":null}}""",
        """{"linux":{"namespaces":[{"type":"uts"}]},"linux":{"namespaces":[{"type":"ipc"}]}}""",
        """{ /* comment */ "linux": { "namespaces": [ { "type": "ipc", }, ], }, }""",
    };

    /// <summary>Stage 1's forward-only reader must see exactly what the full deserializer sees.</summary>
    [Theory]
    [MemberData(nameof(Configs))]
    public void ReadNamespacesAgreesWithTheDeserializer(string json)
    {
        File.WriteAllText(Path.Combine(_dir, Bundle.ConfigFile), json);

        IReadOnlyList<NamespaceSpec> scanned = Bundle.ReadNamespaces(_dir);
        IReadOnlyList<NamespaceSpec> full = Bundle.Load(_dir).Spec.Linux.Namespaces;

        Assert.Equal(full, scanned);
    }

    [Fact]
    public void CreateThenLoadRoundTrips()
    {
        RuntimeSpec spec = new() { Hostname = "h", Process = new ProcessSpec { Args = ["true"] } };
        PSContainer.Runtime.Snapshots.Mount overlay = new() { Type = "overlay", Source = "overlay", Options = ["lowerdir+=/l", "upperdir=/u", "workdir=/w"] };

        Bundle.Create(_dir, spec, [overlay]);
        Bundle loaded = Bundle.Load(_dir);

        Assert.Equal("h", loaded.Spec.Hostname);
        Assert.Equal(["true"], loaded.Spec.Process.Args);
        Assert.Equal(overlay.Options, Assert.Single(loaded.RootfsMounts).Options);
        Assert.True(Directory.Exists(Path.Combine(_dir, "rootfs")));
    }

    [Fact]
    public void MissingMembersGetTheirDefaults()
    {
        File.WriteAllText(Path.Combine(_dir, Bundle.ConfigFile), """{"process":{"args":["x"]}}""");

        Bundle loaded = Bundle.Load(_dir);

        Assert.Empty(loaded.Spec.Mounts);
        Assert.Empty(loaded.Spec.Linux.Namespaces);
        Assert.Empty(loaded.Spec.Process.Env);
        Assert.Equal("/", loaded.Spec.Process.Cwd);
        Assert.Equal("rootfs", loaded.Spec.Root.Path);
        Assert.Empty(loaded.RootfsMounts);
    }

    [Fact]
    public void ExitStatusUsesTheDocumentedNames()
    {
        ExitStatus status = new() { ExitCode = 137, Signal = 9, FinishedAt = DateTimeOffset.UnixEpoch };
        status.WriteTo(_dir);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, Bundle.ExitStatusFile)));
        Assert.Equal(137, doc.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(9, doc.RootElement.GetProperty("signal").GetInt32());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("error").ValueKind);
        Assert.Equal(status, ExitStatus.ReadFrom(_dir));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }
}
