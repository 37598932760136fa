using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <sys/wait.h>: waitid(2) and waitpid(2). waitid is only ever used with WNOWAIT on children that
// System.Diagnostics.Process started: it observes a zombie without reaping it, so the runtime's own reaping still
// finds the child. waitpid reaps, and is only used by psc-shim's minimal init, a process that never uses Process.
internal static unsafe partial class LibC
{
    internal const int P_PID = 1;
    internal const int WEXITED = 4;
    internal const int WNOWAIT = 0x01000000;

    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int waitid(int idType, int id, siginfo_chld* info, int options);
}

/// <summary>
/// siginfo_t as waitid fills it for SIGCHLD. Declared here rather than taken from Tmds.LibC 0.5.0, whose
/// siginfo_t swaps si_errno and si_code (glibc's generic layout, used on x86-64 and arm64, has si_errno first).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
#pragma warning disable CS8981 // C names on purpose
internal struct siginfo_chld
{
    [FieldOffset(0)]
    public int si_signo;

    [FieldOffset(4)]
    public int si_errno;

    [FieldOffset(8)]
    public int si_code;

    [FieldOffset(16)]
    public int si_pid;

    [FieldOffset(20)]
    public uint si_uid;

    [FieldOffset(24)]
    public int si_status;
}
#pragma warning restore CS8981
