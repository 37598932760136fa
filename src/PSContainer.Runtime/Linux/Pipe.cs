using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A pipe whose two ends are both close-on-exec when created; an end that a child must inherit is made
/// inheritable explicitly (<see cref="SafeFd.SetCloseOnExec"/>) just before the child is started.
/// </summary>
public sealed unsafe class Pipe : IDisposable
{
    private Pipe(SafeFd read, SafeFd write)
    {
        ReadEnd = read;
        WriteEnd = write;
    }

    public SafeFd ReadEnd { get; }

    public SafeFd WriteEnd { get; }

    public static Pipe Create()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
        {
            throw LinuxException.FromLastError("pipe2");
        }

        return new Pipe(new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    public void Dispose()
    {
        ReadEnd.Dispose();
        WriteEnd.Dispose();
    }
}
