using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <net/if.h>: just enough of struct ifreq to read and set interface flags with SIOCGIFFLAGS/SIOCSIFFLAGS
// (whose numbers Tmds.LibC has).
internal static unsafe partial class LibC
{
    internal const int IFNAMSIZ = 16;
    internal const short IFF_UP = 0x1;
    internal const short IFF_LOOPBACK = 0x8;
    internal const short IFF_RUNNING = 0x40;
}

/// <summary>struct ifreq: a 16-byte name followed by a 24-byte union (on 64-bit); ifr_flags is its first short.</summary>
#pragma warning disable CS8981 // C names on purpose, as in Tmds.LibC
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct ifreq
{
    [FieldOffset(0)]
    public fixed byte ifr_name[16];

    [FieldOffset(16)]
    public short ifr_flags;
}
#pragma warning restore CS8981
