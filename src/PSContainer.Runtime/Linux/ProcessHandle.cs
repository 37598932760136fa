using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A pidfd: a handle on one process that stays bound to it even if its pid is reused (pidfd_open(2), Linux 5.3).
/// Any process may hold one, not just the parent, so an engine in another pwsh can signal a container's init and
/// wait for it to end. <see cref="Open"/> checks the start time after opening: a pidfd opened on a reused pid
/// names the new process, whose start time differs, so that race is closed too.
/// </summary>
public sealed unsafe class ProcessHandle : IDisposable
{
    private readonly SafeFd _fd;

    private ProcessHandle(SafeFd fd, int pid)
    {
        _fd = fd;
        Pid = pid;
    }

    public int Pid { get; }

    /// <summary>The pidfd, for poll(2) together with other descriptors: it polls readable once the process has exited.</summary>
    public int Fd => _fd.Fd;

    /// <summary>
    /// Opens the process <paramref name="pid"/> if it is the one that started at <paramref name="startTime"/>
    /// and has not exited; null otherwise (gone, a zombie, or another process with a reused pid).
    /// </summary>
    public static ProcessHandle? Open(int pid, ulong startTime)
    {
        if (pid <= 0)
        {
            return null;
        }

        int fd = Sys.pidfd_open(pid, 0);
        if (fd < 0)
        {
            int errno = LinuxException.LastErrno;
            return errno == Errno.ESRCH ? null : throw new LinuxException(errno, "pidfd_open", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        SafeFd handle = new(fd);
        // Checked after the open: if the pid was reused before it, the start time tells.
        if (!ProcessIdentity.IsSameAndAlive(pid, startTime))
        {
            handle.Dispose();
            return null;
        }

        return new ProcessHandle(handle, pid);
    }

    /// <summary>Sends <paramref name="signal"/>; false if the process has already exited.</summary>
    public bool Signal(int signal)
    {
        if (Sys.pidfd_send_signal(_fd.Fd, signal) == 0)
        {
            return true;
        }

        int errno = LinuxException.LastErrno;
        return errno == Errno.ESRCH ? false : throw new LinuxException(errno, "pidfd_send_signal", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>True once the process has exited (a pidfd polls readable then). Waits at most <paramref name="timeoutMilliseconds"/> (-1: forever).</summary>
    public bool WaitForExit(int timeoutMilliseconds) => Poller.WaitReadable(_fd.Fd, timeoutMilliseconds);

    public bool HasExited => WaitForExit(0);

    /// <summary>
    /// Waits for the process to exit on a dedicated thread (a pidfd cannot join .NET's async I/O), waking every
    /// 100 ms to notice cancellation. Returns at once when the process is already gone.
    /// </summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) =>
        HasExited ? Task.CompletedTask : Task.Factory.StartNew(() =>
        {
            while (!WaitForExit(100))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose() => _fd.Dispose();
}
