using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>flock(2), which Tmds.LibC 0.5.0 does not bind.</summary>
internal static partial class LibC
{
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int flock(int fd, int operation);
}
