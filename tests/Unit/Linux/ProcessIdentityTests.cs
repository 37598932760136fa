using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

public sealed class ProcessIdentityTests
{
    [Fact]
    public void ReadsThisProcessAsAliveWithAStableStartTime()
    {
        int pid = Environment.ProcessId;
        ProcessIdentity? first = ProcessIdentity.Read(pid);
        ProcessIdentity? second = ProcessIdentity.Read(pid);

        Assert.NotNull(first);
        Assert.True(first.Value.IsAlive);
        Assert.True(first.Value.StartTime > 0);
        Assert.Equal(first.Value.StartTime, second!.Value.StartTime);
        Assert.True(ProcessIdentity.IsSameAndAlive(pid, first.Value.StartTime));
        Assert.False(ProcessIdentity.IsSameAndAlive(pid, first.Value.StartTime + 1), "another start time is another process");
    }

    [Fact]
    public void ACommandNameWithSpacesAndParenthesesDoesNotShiftTheFields()
    {
        // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        // cutime cstime priority nice threads itrealvalue starttime ...
        const string line = "42 (we (ird) name) Z 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";

        ProcessIdentity? stat = ProcessIdentity.Parse(42, line);

        Assert.Equal(new ProcessIdentity(42, 'Z', 987654), stat);
        Assert.False(stat!.Value.IsAlive);
    }

    [Fact]
    public void AProcessThatDoesNotExistIsNull()
    {
        Assert.Null(ProcessIdentity.Read(int.MaxValue));
        Assert.Null(ProcessHandle.Open(int.MaxValue, 1));
    }

    [Fact]
    public async Task AProcessHandleSeesItsProcessExitAndRefusesAnotherStartTime()
    {
        using var child = System.Diagnostics.Process.Start("sleep", "30");
        ulong start = ProcessIdentity.Read(child.Id)!.Value.StartTime;
        Assert.Null(ProcessHandle.Open(child.Id, start + 1));
        using ProcessHandle handle = ProcessHandle.Open(child.Id, start)!;
        Assert.False(handle.HasExited);

        Assert.True(handle.Signal(Signals.SIGKILL));
        await handle.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.True(handle.HasExited);
        await child.WaitForExitAsync();
        Assert.False(handle.Signal(Signals.SIGTERM), "a reaped process cannot be signalled through its pidfd");
    }
}
