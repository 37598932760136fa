using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

public sealed class LinuxExceptionTests
{
    [Fact]
    public void MessageReadsLikeTheCLibrarys()
    {
        Assert.Equal("mount /x: operation not permitted", new LinuxException(Errno.EPERM, "mount", "/x").Message);
        Assert.Equal("pipe2: invalid argument", new LinuxException(Errno.EINVAL, "pipe2").Message);
        Assert.Equal("exec \"sh\": no such file or directory (not in $PATH)", new LinuxException(Errno.ENOENT, "exec", "\"sh\"", "not in $PATH").Message);
    }

    [Fact]
    public void KeepsTheErrnoCallAndPath()
    {
        LinuxException e = new(Errno.EACCES, "open", "/etc/shadow");

        Assert.Equal(Errno.EACCES, e.Errno);
        Assert.Equal("open", e.Syscall);
        Assert.Equal("/etc/shadow", e.Path);
    }

    [Fact]
    public void CapturesErrnoOfTheFailedCall()
    {
        LinuxException e = Assert.Throws<LinuxException>(() => SafeFd.Open("/no/such/file", 0));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("open /no/such/file: no such file or directory", e.Message);
    }
}
