using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

// <poll.h>: poll(2). Tmds.LibC 0.5.0 imports it without SetLastError, so its errno (EINTR above all) is lost.
internal static unsafe partial class LibC
{
    internal const short POLLIN = 0x001;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int poll(pollfd* fds, nuint nfds, int timeout);
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
#pragma warning disable CS8981 // C names on purpose
internal struct pollfd
{
    public int fd;
    public short events;
    public short revents;
}
#pragma warning restore CS8981
