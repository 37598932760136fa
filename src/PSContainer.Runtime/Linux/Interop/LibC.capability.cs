using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <linux/capability.h>: capget(2)/capset(2), which glibc exports but Tmds.LibC 0.5.0 does not wrap. Version 3 of
// the interface carries 64 capability bits as two 32-bit words per set.
internal static unsafe partial class LibC
{
    internal const uint _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    internal const int _LINUX_CAPABILITY_U32S_3 = 2;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int capget(cap_user_header* header, cap_user_data* data);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int capset(cap_user_header* header, cap_user_data* data);
}

#pragma warning disable CS8981 // C names on purpose, as in Tmds.LibC
/// <summary>struct __user_cap_header_struct.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cap_user_header
{
    public uint version;
    public int pid;
}

/// <summary>struct __user_cap_data_struct: one 32-bit word of each set (version 3 passes an array of two).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cap_user_data
{
    public uint effective;
    public uint permitted;
    public uint inheritable;
}
#pragma warning restore CS8981
