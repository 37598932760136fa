using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A pseudo-terminal for a container's process (docker run -t), made inside the container as runc does: through the
/// container's own /dev/ptmx (its devpts instance), so the process sees /dev/pts/0 and the terminal's number is the
/// container's business. The master goes to the monitor (see <see cref="FdPassing"/>); the peer becomes the
/// process's controlling terminal and its stdin, stdout and stderr.
/// </summary>
public static unsafe class Pty
{
    /// <summary>
    /// Opens a new terminal in the devpts behind /dev/ptmx (as the caller sees it): the master and its peer, both
    /// close-on-exec, sized <paramref name="rows"/> x <paramref name="columns"/> unless those are 0.
    /// </summary>
    public static (SafeFd Master, SafeFd Peer) Open(uint rows, uint columns)
    {
        SafeFd master = SafeFd.Open("/dev/ptmx", O_RDWR | O_NOCTTY);
        try
        {
            int unlock = 0;
            if (ioctl(master.Fd, TIOCSPTLCK, (void*)&unlock) < 0)
            {
                throw LinuxException.FromLastError("ioctl TIOCSPTLCK", "/dev/ptmx");
            }

            // The peer through the master rather than by its /dev/pts path: nothing in the container can swap the path.
            int peer = ioctl(master.Fd, TIOCGPTPEER, (void*)(O_RDWR | O_NOCTTY | O_CLOEXEC));
            if (peer < 0)
            {
                throw LinuxException.FromLastError("ioctl TIOCGPTPEER", "/dev/ptmx");
            }

            SafeFd peerFd = new(peer);
            if (rows != 0 && columns != 0)
            {
                Resize(master.Fd, rows, columns);
            }

            return (master, peerFd);
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>Sets a terminal's size (TIOCSWINSZ).</summary>
    public static void Resize(int fd, uint rows, uint columns)
    {
        winsize size = new() { ws_row = (ushort)Math.Min(rows, ushort.MaxValue), ws_col = (ushort)Math.Min(columns, ushort.MaxValue) };
        if (ioctl(fd, TIOCSWINSZ, (void*)&size) < 0)
        {
            throw LinuxException.FromLastError("ioctl TIOCSWINSZ");
        }
    }

    /// <summary>The size of the terminal on <paramref name="fd"/>, or null if it is none.</summary>
    public static (uint Rows, uint Columns)? SizeOf(int fd)
    {
        winsize size;
        return isatty(fd) == 1 && ioctl(fd, TIOCGWINSZ, (void*)&size) == 0 && size.ws_row > 0 && size.ws_col > 0
            ? (size.ws_row, size.ws_col)
            : null;
    }

    /// <summary>
    /// Makes <paramref name="peer"/> the calling process's controlling terminal (it must lead a session without one)
    /// and its stdin, stdout and stderr.
    /// </summary>
    public static void Attach(SafeFd peer)
    {
        if (ioctl(peer.Fd, TIOCSCTTY, (void*)0) < 0)
        {
            throw LinuxException.FromLastError("ioctl TIOCSCTTY");
        }

        for (int fd = 0; fd <= 2; fd++)
        {
            while (dup2(peer.Fd, fd) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw new LinuxException(errno, "dup2", "terminal");
                }
            }
        }
    }
}
