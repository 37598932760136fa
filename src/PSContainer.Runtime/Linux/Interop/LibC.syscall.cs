using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <sys/syscall.h>: the raw syscall(2) entry point, for system calls that glibc 2.36 (Debian 12) either does
// not wrap at all (pivot_root) or wraps only in newer releases (the mount API, close_range). Calling the
// number directly works with any glibc and any kernel that has the call; an older kernel answers ENOSYS.
internal static unsafe partial class LibC
{
    // Numbers below 424 differ per architecture; everything from 424 on (the "unified" syscall table
    // introduced with pidfd_open) is the same on every architecture.
    internal static long SYS_pivot_root => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 155,
        Architecture.Arm64 => 41,
        _ => throw new PlatformNotSupportedException("pivot_root: unsupported architecture " + RuntimeInformation.ProcessArchitecture),
    };

    internal static long SYS_seccomp => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 317,
        Architecture.Arm64 => 277,
        _ => throw new PlatformNotSupportedException("seccomp: unsupported architecture " + RuntimeInformation.ProcessArchitecture),
    };

    internal const long SYS_open_tree = 428;
    internal const long SYS_move_mount = 429;
    internal const long SYS_fsopen = 430;
    internal const long SYS_fsconfig = 431;
    internal const long SYS_fsmount = 432;
    internal const long SYS_close_range = 436;

    // syscall(2) is variadic in C. On x86-64 and arm64 Linux, integer/pointer variadic arguments travel in
    // the same registers as fixed ones, so one fixed six-argument signature serves every call; the kernel
    // ignores the registers a call does not use.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall6(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    internal static long Syscall(long number, nint a1 = 0, nint a2 = 0, nint a3 = 0, nint a4 = 0, nint a5 = 0) =>
        Syscall6(number, a1, a2, a3, a4, a5, 0);
}
