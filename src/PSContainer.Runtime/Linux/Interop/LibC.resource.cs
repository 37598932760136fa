using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <sys/resource.h>: prlimit(2), which Tmds.LibC 0.5.0 lacks, and the RLIMIT_* numbers (the same on x86-64 and arm64).
internal static unsafe partial class LibC
{
    internal const int RLIMIT_CPU = 0;
    internal const int RLIMIT_FSIZE = 1;
    internal const int RLIMIT_DATA = 2;
    internal const int RLIMIT_STACK = 3;
    internal const int RLIMIT_CORE = 4;
    internal const int RLIMIT_RSS = 5;
    internal const int RLIMIT_NPROC = 6;
    internal const int RLIMIT_NOFILE = 7;
    internal const int RLIMIT_MEMLOCK = 8;
    internal const int RLIMIT_AS = 9;
    internal const int RLIMIT_LOCKS = 10;
    internal const int RLIMIT_SIGPENDING = 11;
    internal const int RLIMIT_MSGQUEUE = 12;
    internal const int RLIMIT_NICE = 13;
    internal const int RLIMIT_RTPRIO = 14;
    internal const int RLIMIT_RTTIME = 15;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int prlimit(int pid, int resource, rlimit64* newLimit, rlimit64* oldLimit);
}

#pragma warning disable CS8981 // C names on purpose
/// <summary>struct rlimit (64-bit fields on 64-bit Linux; RLIM_INFINITY is all ones).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct rlimit64
{
    public ulong rlim_cur;
    public ulong rlim_max;
}
#pragma warning restore CS8981
