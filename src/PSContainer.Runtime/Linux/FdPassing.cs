using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A descriptor sent from one process to another over a Unix socket (SCM_RIGHTS): how stage 2 hands the master of the
/// container's terminal to the monitor, as runc's init does over its console socket.
/// </summary>
public static unsafe class FdPassing
{
    /// <summary>A connected pair of stream sockets, both close-on-exec.</summary>
    public static (SafeFd First, SafeFd Second) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        {
            throw LinuxException.FromLastError("socketpair");
        }

        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    /// <summary>Sends <paramref name="fd"/> with one byte of data over <paramref name="socket"/>.</summary>
    public static void Send(SafeFd socket, SafeFd fd)
    {
        byte data = (byte)'T';
        iovec io = new() { iov_base = &data, iov_len = 1 };
        int space = (int)CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        msghdr message = new() { msg_iov = &io, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)space };
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        *(int*)CMSG_DATA(header) = fd.Fd;
        while (sendmsg(socket.Fd, &message, MSG_NOSIGNAL) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new LinuxException(errno, "sendmsg", "terminal");
            }
        }
    }

    /// <summary>Receives a descriptor sent with <see cref="Send"/> (close-on-exec); null at end of file (nothing was sent).</summary>
    public static SafeFd? Receive(SafeFd socket)
    {
        byte data;
        iovec io = new() { iov_base = &data, iov_len = 1 };
        int space = (int)CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        msghdr message = new() { msg_iov = &io, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)space };
        long n;
        while ((n = recvmsg(socket.Fd, &message, MSG_CMSG_CLOEXEC)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new LinuxException(errno, "recvmsg", "terminal");
            }
        }

        cmsghdr* header = CMSG_FIRSTHDR(&message);
        if (n == 0 || header is null || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
        {
            return null;
        }

        return new SafeFd(*(int*)CMSG_DATA(header));
    }
}
