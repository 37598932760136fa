using Tmds.Linux;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>The loopback interface of a new network namespace, which the kernel creates down.</summary>
public static unsafe class Loopback
{
    /// <summary>Sets IFF_UP on "lo" (SIOCGIFFLAGS, then SIOCSIFFLAGS), as `ip link set lo up` does.</summary>
    public static void Up()
    {
        // Any socket in the namespace will do for interface ioctls; a datagram socket needs no setup.
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
        {
            throw LinuxException.FromLastError("socket");
        }

        using SafeFd sock = new(s);
        Interop.ifreq request = default;
        request.ifr_name[0] = (byte)'l';
        request.ifr_name[1] = (byte)'o';
        if (ioctl(sock.Fd, SIOCGIFFLAGS, &request) < 0)
        {
            throw LinuxException.FromLastError("ioctl SIOCGIFFLAGS", "lo");
        }

        request.ifr_flags |= Sys.IFF_UP;
        if (ioctl(sock.Fd, SIOCSIFFLAGS, &request) < 0)
        {
            throw LinuxException.FromLastError("ioctl SIOCSIFFLAGS", "lo");
        }
    }
}
