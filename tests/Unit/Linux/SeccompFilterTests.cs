using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Linux;

/// <summary>
/// Compiling filters with libseccomp. Loading one is irreversible for the process that does it, so that is tested
/// only inside containers (see IsolationTests and the Pester suite).
/// </summary>
public sealed class SeccompFilterTests
{
    private const ushort BpfRet = 0x06; // BPF_RET | BPF_K
    private const ushort BpfLdAbs = 0x20; // BPF_LD | BPF_W | BPF_ABS

    [Fact]
    public void TheDefaultProfileCompilesToAProgramThatChecksTheArchitectureFirst()
    {
        SeccompSpec spec = SeccompProfile.ToSpec(SeccompProfile.LoadDefault(), SpecBuilder.DefaultCapabilities);

        byte[] program = SeccompFilter.Compile(spec);

        Assert.True(program.Length > 8 && program.Length % 8 == 0);
        // libseccomp's programs start by loading seccomp_data.arch (offset 4).
        Assert.Equal(BpfLdAbs, BitConverter.ToUInt16(program, 0));
        Assert.Equal(4u, BitConverter.ToUInt32(program, 4));
    }

    [Fact]
    public void ActionsAndErrnosReachTheProgram()
    {
        SeccompSpec spec = new()
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new SeccompSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 13 }],
        };

        uint[] returns = Returns(SeccompFilter.Compile(spec));

        Assert.Contains(0x7fff0000u, returns); // SCMP_ACT_ALLOW
        Assert.Contains(0x00050000u | 13, returns); // SCMP_ACT_ERRNO(EACCES)
    }

    [Fact]
    public void AnUnknownSyscallNameIsSkippedAsRuncDoes()
    {
        SeccompSpec spec = new()
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new SeccompSyscall { Names = ["no_such_syscall_here"], Action = "SCMP_ACT_ERRNO" }],
        };

        Assert.DoesNotContain(0x00050001u, Returns(SeccompFilter.Compile(spec)));
    }

    [Theory]
    [InlineData("SCMP_ACT_SOMETHING", "SCMP_CMP_EQ", "SCMP_ARCH_X86_64")]
    [InlineData("SCMP_ACT_ERRNO", "SCMP_CMP_WHATEVER", "SCMP_ARCH_X86_64")]
    [InlineData("SCMP_ACT_ERRNO", "SCMP_CMP_EQ", "SCMP_ARCH_PDP11")]
    public void BadInputIsRefusedWithAStableErrorId(string action, string op, string arch)
    {
        SeccompSpec spec = new()
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = [arch],
            Syscalls = [new SeccompSyscall { Names = ["personality"], Action = action, Args = [new SeccompArg { Index = 0, Value = 8, Op = op }] }],
        };

        var e = Assert.Throws<ContainerRuntimeException>(() => SeccompFilter.Compile(spec));

        Assert.Equal("SeccompProfileInvalid", e.ErrorId);
    }

    /// <summary>The k operands of every return instruction.</summary>
    private static uint[] Returns(byte[] program) =>
        Enumerable.Range(0, program.Length / 8)
            .Where(i => BitConverter.ToUInt16(program, i * 8) == BpfRet)
            .Select(i => BitConverter.ToUInt32(program, (i * 8) + 4))
            .ToArray();
}
