using System.Runtime.InteropServices;
using System.Text.Json;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>The containers-common profile evaluated for a container, as podman and docker evaluate theirs.</summary>
public sealed class SeccompProfileTests
{
    private const string Profile = """
        {
          "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
          "archMap": [ { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
                       { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] } ],
          "syscalls": [
            { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW" },
            { "names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_ADMIN"] } },
            { "names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
            { "names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["amd64"] } },
            { "names": ["set_tls"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["arm64"] } },
            { "name": "old_style", "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "4.8" } },
            { "names": ["future"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "99.0" } }
          ]
        }
        """;

    private static SeccompProfileDocument Document => JsonSerializer.Deserialize(Profile, SpecJsonContext.Default.SeccompProfileDocument)!;

    [Fact]
    public void ACapabilityRuleAppliesOnlyWhenTheContainerHoldsIt()
    {
        SeccompSpec plain = SeccompProfile.ToSpec(Document, ["CAP_CHOWN"], Architecture.X64, new Version(6, 1));
        SeccompSpec admin = SeccompProfile.ToSpec(Document, ["CAP_SYS_ADMIN"], Architecture.X64, new Version(6, 1));

        Assert.Equal("SCMP_ACT_ERRNO", plain.Syscalls.Single(s => s.Names.Contains("bpf")).Action);
        Assert.Equal(1u, plain.Syscalls.Single(s => s.Names.Contains("bpf")).ErrnoRet);
        Assert.Equal("SCMP_ACT_ALLOW", admin.Syscalls.Single(s => s.Names.Contains("bpf")).Action);
    }

    [Fact]
    public void ArchitecturesComeFromTheNativeEntryOfTheMap()
    {
        SeccompSpec x64 = SeccompProfile.ToSpec(Document, [], Architecture.X64, new Version(6, 1));
        SeccompSpec arm = SeccompProfile.ToSpec(Document, [], Architecture.Arm64, new Version(6, 1));

        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], x64.Architectures);
        Assert.Contains(x64.Syscalls, s => s.Names.Contains("arch_prctl"));
        Assert.DoesNotContain(x64.Syscalls, s => s.Names.Contains("set_tls"));
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], arm.Architectures);
        Assert.Contains(arm.Syscalls, s => s.Names.Contains("set_tls"));
    }

    [Fact]
    public void KernelVersionsAndSingleNamesAreUnderstood()
    {
        SeccompSpec spec = SeccompProfile.ToSpec(Document, [], Architecture.X64, new Version(6, 18, 44));

        Assert.Contains(spec.Syscalls, s => s.Names.SequenceEqual(["old_style"]));
        Assert.DoesNotContain(spec.Syscalls, s => s.Names.Contains("future"));
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (spec.DefaultAction, spec.DefaultErrnoRet!.Value));
    }

    [Fact]
    public void TheInstalledProfileBlocksWhatDockersDefaultsDoNotGrant()
    {
        SeccompSpec spec = SeccompProfile.ToSpec(SeccompProfile.LoadDefault(), SpecBuilder.DefaultCapabilities);
        string[] allowed = spec.Syscalls.Where(s => s.Action == "SCMP_ACT_ALLOW" && s.Args is null).SelectMany(s => s.Names).ToArray();

        Assert.Contains("read", allowed);
        Assert.DoesNotContain("bpf", allowed); // CAP_SYS_ADMIN only
        Assert.DoesNotContain("vmsplice", allowed);
        Assert.Contains(spec.Syscalls, s => s.Action == "SCMP_ACT_ERRNO" && s.Names.Contains("vmsplice"));
    }
}
