using PSContainer.Runtime.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace PSContainer.Tests.Linux;

// CloseInherited acts on the whole process's descriptor table: no test may run beside it (another test's descriptor
// made inheritable for a moment would be closed under it).
[Collection("Environment")]
public sealed unsafe class StdioTests
{
    [Fact]
    public void CloseInheritedClosesWhatIsNotCloseOnExecAndKeepsTheRest()
    {
        using Pipe kept = Pipe.Create(); // close-on-exec, as everything .NET opens
        int* leaked = stackalloc int[2];
        Assert.Equal(0, pipe2(leaked, 0)); // what a process inherits by accident: no CLOEXEC

        // From the lower of the leaked pair up: the test host's own inherited descriptors, if any, are older.
        Stdio.CloseInherited(Math.Min(leaked[0], leaked[1]));

        Assert.Equal(-1, fcntl(leaked[0], F_GETFD));
        Assert.Equal(-1, fcntl(leaked[1], F_GETFD));
        Assert.True(fcntl(kept.ReadEnd.Fd, F_GETFD) >= 0, "a close-on-exec descriptor stays open");
        Assert.True(fcntl(kept.WriteEnd.Fd, F_GETFD) >= 0, "a close-on-exec descriptor stays open");
    }
}
