using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// pidfd_open(2) and pidfd_send_signal(2), which glibc 2.36 does not wrap: through syscall(2). Both numbers are
// in the unified table (424 and up), the same on every architecture.
internal static unsafe partial class LibC
{
    internal const long SYS_pidfd_send_signal = 424;
    internal const long SYS_pidfd_open = 434;

    internal static int pidfd_open(int pid, uint flags) => (int)Syscall(SYS_pidfd_open, pid, (nint)flags);

    internal static int pidfd_send_signal(int pidfd, int signal) => (int)Syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0);
}
