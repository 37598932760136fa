using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A terminal put into line mode (canonical input with echo, CR read as a newline, signals from Ctrl+C) for as long
/// as this object lives, then given back its own settings.
/// </summary>
/// <remarks>
/// .NET leaves the terminal of a process that has read keys (PSReadLine does, at every prompt) without echo and
/// without line editing, and switches it back only for child processes that inherit it. A container whose stdin is
/// relayed from the terminal through a pipe is no such child, so the relay asks for the mode itself: what the user
/// types is shown and sent a line at a time, as to a command run at the prompt, and Ctrl+C still stops the command.
/// </remarks>
public sealed unsafe class TerminalMode : IDisposable
{
    private readonly int _fd;
    private readonly termios _saved;

    private TerminalMode(int fd, termios saved)
    {
        _fd = fd;
        _saved = saved;
    }

    /// <summary>Line mode on <paramref name="fd"/> if it is a terminal; null (nothing to undo) otherwise.</summary>
    public static TerminalMode? LineMode(int fd)
    {
        termios saved;
        if (isatty(fd) != 1 || tcgetattr(fd, &saved) != 0)
        {
            return null;
        }

        termios line = saved;
        line.c_lflag |= ICANON | ECHO | ECHOE | ECHOK | ISIG | IEXTEN;
        line.c_iflag |= ICRNL;
        line.c_oflag |= OPOST | ONLCR;
        return tcsetattr(fd, (int)TCSANOW, &line) == 0 ? new TerminalMode(fd, saved) : null;
    }

    /// <summary>
    /// Raw mode on <paramref name="fd"/> if it is a terminal (cfmakeraw, as docker's client does for -it): every key
    /// goes on as typed, Ctrl+C included, and nothing is echoed or translated here — the container's terminal does
    /// that. Null (nothing to undo) otherwise.
    /// </summary>
    public static TerminalMode? RawMode(int fd)
    {
        termios saved;
        if (isatty(fd) != 1 || tcgetattr(fd, &saved) != 0)
        {
            return null;
        }

        termios raw = saved;
        raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        raw.c_oflag &= ~OPOST;
        raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        raw.c_cflag &= ~(CSIZE | PARENB);
        raw.c_cflag |= CS8;
        raw.c_cc[(int)VMIN] = 1;
        raw.c_cc[(int)VTIME] = 0;
        return tcsetattr(fd, (int)TCSANOW, &raw) == 0 ? new TerminalMode(fd, saved) : null;
    }

    public void Dispose()
    {
        termios saved = _saved;
        tcsetattr(_fd, (int)TCSANOW, &saved);
    }
}
