using PSContainer.Runtime.Linux;
using Xunit;

namespace PSContainer.Tests.Linux;

/// <summary>PATH resolution as execvp does it. Runs as root, so "not executable" means no x bit at all.</summary>
public sealed class ExecutableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psc-exec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FindsTheFirstExecutableInPathOrder()
    {
        string a = Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName;
        string b = Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName;
        CreateFile(a, "tool", executable: false);
        CreateFile(b, "tool", executable: true);

        Assert.Equal(b + "/tool", Executable.Resolve("tool", a + ":" + b));
    }

    [Fact]
    public void NotFoundIsEnoentAndOnlyNonExecutableIsEacces()
    {
        CreateFile(_dir, "plain", executable: false);

        Assert.Equal(Errno.ENOENT, Assert.Throws<LinuxException>(() => Executable.Resolve("missing", _dir)).Errno);
        Assert.Equal(Errno.EACCES, Assert.Throws<LinuxException>(() => Executable.Resolve("plain", _dir)).Errno);
        Assert.Equal(Errno.EACCES, Assert.Throws<LinuxException>(() => Executable.Resolve(_dir, null)).Errno);
    }

    [Fact]
    public void NameWithASlashIsNotSearched()
    {
        string tool = CreateFile(_dir, "tool", executable: true);

        Assert.Equal(tool, Executable.Resolve(tool, "/nowhere"));
        Assert.Equal(Errno.ENOENT, Assert.Throws<LinuxException>(() => Executable.Resolve("./tool", "/nowhere:" + _dir)).Errno);
    }

    private static string CreateFile(string dir, string name, bool executable)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, executable ? UnixFileMode.UserRead | UnixFileMode.UserExecute : UnixFileMode.UserRead);
        return path;
    }
}
