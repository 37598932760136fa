namespace PSContainer.Runtime.Linux.Interop;

// <linux/close_range.h>: close_range(2), Linux 5.9; CLOSE_RANGE_CLOEXEC since 5.11.
internal static unsafe partial class LibC
{
    internal const uint CLOSE_RANGE_UNSHARE = 1u << 1;
    internal const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    internal static int close_range(uint first, uint last, uint flags) =>
        (int)Syscall(SYS_close_range, (nint)first, (nint)last, (nint)flags);
}
