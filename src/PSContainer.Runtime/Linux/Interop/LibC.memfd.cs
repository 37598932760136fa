namespace PSContainer.Runtime.Linux.Interop;

// <linux/memfd.h>, <fcntl.h>: memory files and their seals (memfd_create itself comes from Tmds.LibC).
internal static partial class LibC
{
    internal const uint MFD_CLOEXEC = 0x0001;
    internal const uint MFD_ALLOW_SEALING = 0x0002;

    /// <summary>Linux 6.3+: executable even where vm.memfd_noexec makes memory files non-executable by default.
    /// Newer than Debian 12's headers, so not checked by the constants test; older kernels answer EINVAL.</summary>
    internal const uint MFD_EXEC = 0x0010;

    internal const int F_ADD_SEALS = 1033;
    internal const int F_GET_SEALS = 1034;
    internal const int F_SEAL_SEAL = 0x0001;
    internal const int F_SEAL_SHRINK = 0x0002;
    internal const int F_SEAL_GROW = 0x0004;
    internal const int F_SEAL_WRITE = 0x0008;

    /// <summary>Linux 6.3+: the mode's exec bits can no longer change (same caveat as MFD_EXEC).</summary>
    internal const int F_SEAL_EXEC = 0x0020;
}
