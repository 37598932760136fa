using System.Text.Json;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using Xunit;

namespace PSContainer.Tests.Process;

/// <summary>
/// psc-shim writes cgroup.json, shim.json and exit.json by hand (JsonRecord) and the engine reads them with the
/// source-generated context: the bytes must be exactly what that context would write, for every field.
/// </summary>
public sealed class ShimRecordJsonTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 27, 23, 41, 2, 123, TimeSpan.Zero);

    public static TheoryData<ExitStatus> ExitStatuses() =>
    [
        new ExitStatus { ExitCode = 0, FinishedAt = When },
        new ExitStatus { ExitCode = 137, Signal = 9, OOMKilled = true, FinishedAt = When.AddTicks(1234567) },
        new ExitStatus { ExitCode = 127, Error = "exec \"nope\": no such file <or> \"directory\" \u00e9\n", FinishedAt = When.ToOffset(TimeSpan.FromHours(2)) },
    ];

    [Theory]
    [MemberData(nameof(ExitStatuses))]
    public void ExitStatusIsWrittenAsTheSerializerWouldWriteIt(ExitStatus status)
    {
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(status, ProcessJsonContext.Default.ExitStatus), status.ToJson());
        Assert.Equal(status, JsonSerializer.Deserialize(status.ToJson(), ProcessJsonContext.Default.ExitStatus));
    }

    [Fact]
    public void ShimStateIsWrittenAsTheSerializerWouldWriteIt()
    {
        ShimState state = new() { ShimPid = 4242, Pid = 4243, ShimStartTime = ulong.MaxValue - 1, PidStartTime = 987654321, StartedAt = When };

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(state, ProcessJsonContext.Default.ShimState), state.ToJson());
        Assert.Equal(state, JsonSerializer.Deserialize(state.ToJson(), ProcessJsonContext.Default.ShimState));
    }

    [Fact]
    public void CgroupStateIsWrittenAsTheSerializerWouldWriteIt()
    {
        CgroupState state = new()
        {
            Directories =
            [
                new CgroupDirectory { Path = "/sys/fs/cgroup/memory/user.slice/psc-abc", Controllers = ["memory"] },
                new CgroupDirectory { Path = "/sys/fs/cgroup/cpu,cpuacct/psc-abc", Controllers = ["cpu", "cpuacct"] },
                new CgroupDirectory { Path = "/sys/fs/cgroup/unified/\"odd\" path/psc-abc", Unified = true },
            ],
        };

        byte[] written = state.ToJson();

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(state, ProcessJsonContext.Default.CgroupState), written);
        CgroupState read = JsonSerializer.Deserialize(written, ProcessJsonContext.Default.CgroupState)!;
        Assert.Equal(state.Directories.Select(d => (d.Path, d.Unified, string.Join(',', d.Controllers))),
            read.Directories.Select(d => (d.Path, d.Unified, string.Join(',', d.Controllers))));
    }
}
