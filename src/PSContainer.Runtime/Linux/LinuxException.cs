using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A failed system call: the errno, the call's name and the path it concerned (runc's PathError{Op, Path, Err}).
/// The message reads "<c>syscall path: strerror</c>", for example "<c>mkdirat /var/lib/x/fs/etc: Permission denied</c>".
/// </summary>
public sealed class LinuxException : IOException
{
    public LinuxException(int errno, string syscall, string? path)
        : base(Format(errno, syscall, path))
    {
        Errno = errno;
        Syscall = syscall;
        Path = path;
        HResult = errno;
    }

    /// <summary>The errno value the call failed with.</summary>
    public int Errno { get; }

    /// <summary>The name of the call, for example <c>openat2</c>.</summary>
    public string Syscall { get; }

    /// <summary>The path (or descriptor description) the call concerned, if any.</summary>
    public string? Path { get; }

    /// <summary>The errno of the last P/Invoke made with SetLastError; read it immediately after the call.</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>Throws for the errno of the call just made.</summary>
    public static LinuxException FromLastError(string syscall, string? path) => new(LastErrno, syscall, path);

    private static string Format(int errno, string syscall, string? path) =>
        path is null ? $"{syscall}: {Marshal.GetPInvokeErrorMessage(errno)}" : $"{syscall} {path}: {Marshal.GetPInvokeErrorMessage(errno)}";
}
