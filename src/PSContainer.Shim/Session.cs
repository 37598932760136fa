using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// How stage 1 stands towards whoever started it. It always gets a session of its own, so the container outlives
/// the terminal and the pwsh that started it (no SIGHUP when they go); detached, it also lets go of the engine's
/// pipes once the container runs, so nothing of the engine is kept alive by it (conmon's way).
/// </summary>
internal static class Session
{
    /// <summary>
    /// Step 0 of stage 1, before anything else is opened: setsid, close what was inherited by accident, wait for
    /// "go" if asked to (false: the engine called the run off, and nothing may be touched), and, detached, read stdin
    /// from /dev/null — the container inherits stdin from here.
    /// </summary>
    public static bool Begin(bool detach, bool awaitGo)
    {
        try
        {
            ProcessControl.NewSession();
        }
        catch (LinuxException e) when (e.Errno == Errno.EPERM)
        {
            // Already a process group leader (started by a shell as a job): it has a group of its own; keep it.
        }

        // Only 0-2 are meant to be inherited. Anything else open without CLOEXEC came through pwsh from its own
        // parent (a test runner's output pipe, say), and a detached shim would hold it for the container's life.
        Stdio.CloseInherited(3);
        if (awaitGo && !ReadGo())
        {
            return false;
        }

        if (detach)
        {
            Stdio.RedirectToNull(0);
        }

        return true;
    }

    /// <summary>
    /// Reads stdin up to the first newline, a byte at a time so that nothing after it (the container's input) is
    /// taken: true for "go", false for end of file or anything else.
    /// </summary>
    private static bool ReadGo()
    {
        Span<byte> line = stackalloc byte[3];
        Span<byte> one = stackalloc byte[1];
        int length = 0;
        while (RawIo.Read(0, one) == 1)
        {
            if (one[0] == (byte)'\n')
            {
                return line[..length].SequenceEqual("go"u8);
            }

            if (length == line.Length)
            {
                return false;
            }

            line[length++] = one[0];
        }

        return false;
    }

    /// <summary>
    /// Tells the engine the payload runs ("started", see ContainerLauncher.cs). Written before the relay starts, so
    /// it precedes any of the payload's output. Detached, the engine's stdout and stderr pipes are let go of first
    /// and the line goes out on a copy of stdout, closed right after: when the engine reads it, nothing of the
    /// engine is held here any more.
    /// </summary>
    public static void ReportStarted(bool detach)
    {
        if (!detach)
        {
            RawIo.WriteAll(1, RunningContainer.StartedLine); // false (EPIPE): the engine is gone; the container runs on
            return;
        }

        using SafeFd engine = Stdio.Duplicate(1);
        Stdio.RedirectToNull(1, 2);
        RawIo.WriteAll(engine.Fd, RunningContainer.StartedLine);
    }
}
