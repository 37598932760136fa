using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A failed system call: which call, on which path, and the errno it returned (runc's os.PathError{Op, Path,
/// Err}). The message reads like the C library's: <c>mount /x: operation not permitted</c>.
/// </summary>
/// <remarks>
/// errno must be captured immediately after the failing call, before any other P/Invoke can overwrite it;
/// <see cref="FromLastError"/> reads the value that the marshalling stub saved (SetLastError = true).
/// </remarks>
public sealed class LinuxException : IOException
{
    public LinuxException(int errno, string syscall, string? path = null, string? detail = null)
        : base(Format(errno, syscall, path, detail))
    {
        Errno = errno;
        Syscall = syscall;
        Path = path;
        HResult = errno;
    }

    /// <summary>The error number (see <see cref="Linux.Errno"/> for the ones callers test).</summary>
    public int Errno { get; }

    /// <summary>The system call (or libc function) that failed, for example <c>mount</c>.</summary>
    public string Syscall { get; }

    /// <summary>The path the call was about, if any.</summary>
    public string? Path { get; }

    /// <summary>The errno of the last P/Invoke made with SetLastError; read it immediately after the call.</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>Builds the exception from the errno saved by the last P/Invoke on this thread.</summary>
    public static LinuxException FromLastError(string syscall, string? path = null, string? detail = null) =>
        new(Marshal.GetLastPInvokeError(), syscall, path, detail);

    /// <summary>Throws for a negative return value, using the errno saved by that same call.</summary>
    internal static void ThrowIfError(long result, string syscall, string? path = null)
    {
        if (result < 0)
        {
            throw FromLastError(syscall, path);
        }
    }

    /// <summary>strerror(errno) in lower case, as Go and the shell print it: "no such file or directory".</summary>
    public static string Describe(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1])
            ? char.ToLowerInvariant(text[0]) + text[1..]
            : text;
    }

    private static string Format(int errno, string syscall, string? path, string? detail)
    {
        string what = string.IsNullOrEmpty(path) ? syscall : syscall + " " + path;
        string message = what + ": " + Describe(errno);
        return string.IsNullOrEmpty(detail) ? message : message + " (" + detail + ")";
    }
}
