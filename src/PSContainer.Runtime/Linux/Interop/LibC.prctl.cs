using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <sys/prctl.h>, <linux/seccomp.h>
internal static partial class LibC
{
    internal const int PR_SET_PDEATHSIG = 1;
    internal const int PR_GET_PDEATHSIG = 2;
    internal const int PR_SET_KEEPCAPS = 8;
    internal const int PR_SET_NAME = 15;
    internal const int PR_SET_SECCOMP = 22;
    internal const int PR_CAPBSET_READ = 23;
    internal const int PR_CAPBSET_DROP = 24;
    internal const int PR_SET_CHILD_SUBREAPER = 36;
    internal const int PR_SET_NO_NEW_PRIVS = 38;
    internal const int PR_CAP_AMBIENT = 47;
    internal const int PR_CAP_AMBIENT_RAISE = 2;
    internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    internal const int SECCOMP_MODE_FILTER = 2;

    // prctl is variadic in C; see LibC.syscall.cs for why a fixed signature is sound on x86-64 and arm64.
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
