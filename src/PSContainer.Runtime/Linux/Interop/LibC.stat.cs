using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <sys/stat.h>, <sys/sysmacros.h>: device nodes. glibc exports mknodat as a real symbol since 2.33.
internal static unsafe partial class LibC
{
    // S_IFCHR and friends come from Tmds.LibC.
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int mknodat(int dirFd, byte* path, uint mode, ulong dev);

    // glibc's makedev: 12 bits of major and 20 bits of minor, split around the historic 8:8 layout.
    internal static ulong makedev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000u) << 32) | ((ulong)(major & 0x00000fffu) << 8) |
        ((ulong)(minor & 0xffffff00u) << 12) | (minor & 0x000000ffu);
}
