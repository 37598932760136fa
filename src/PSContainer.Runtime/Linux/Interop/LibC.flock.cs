using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>flock(2) from &lt;sys/file.h&gt;, which Tmds.LibC 0.5.0 lacks.</summary>
internal static partial class LibC
{
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);
}
