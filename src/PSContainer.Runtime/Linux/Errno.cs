namespace PSContainer.Runtime.Linux;

/// <summary>
/// The errno values that code outside <c>Linux/</c> tests on a <see cref="LinuxException"/>
/// (the same on x86-64 and arm64; checked against the C headers by the constants test).
/// </summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENOEXEC = 8;
    public const int ECHILD = 10;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
}
