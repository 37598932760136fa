using System.Runtime.InteropServices;
using System.Text;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// An execve(2) whose path, argv and envp are already copied to native memory, so that the last steps before
/// the exec (resetting signals, the call itself) allocate nothing.
/// </summary>
public sealed unsafe class ExecRequest : IDisposable
{
    private readonly List<nint> _allocations = [];
    private readonly byte* _path;
    private readonly byte** _argv;
    private readonly byte** _envp;

    public ExecRequest(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        Path = path;
        _path = Copy(path);
        _argv = CopyArray(args);
        _envp = CopyArray(env);
    }

    public string Path { get; }

    /// <summary>
    /// Resets the signal state (<see cref="Signals.PrepareForExec"/>) and execs. Returns only by throwing the
    /// execve error: on success this process image, the .NET runtime included, is gone.
    /// </summary>
    public void Execute()
    {
        Signals.PrepareForExec();
        execve(_path, _argv, _envp);
        throw LinuxException.FromLastError("exec", Path);
    }

    /// <summary>
    /// Starts the program as a child with posix_spawn(3): every signal back to its default disposition and an empty
    /// mask (a .NET process ignores SIGPIPE and handles others, none of which must reach the child). Returns its pid.
    /// <paramref name="stdout"/> and <paramref name="stderr"/>, when given, become the child's fd 1 and 2 (dup2 in
    /// the child, so they need not be inheritable); otherwise it shares this process's.
    /// </summary>
    public int Spawn(SafeFd? stdout = null, SafeFd? stderr = null)
    {
        byte* attr = stackalloc byte[Interop.LibC.PosixSpawnAttrSize];
        byte* actions = stackalloc byte[Interop.LibC.PosixSpawnFileActionsSize];
        Check(Interop.LibC.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        int rc = Interop.LibC.posix_spawnattr_init(attr);
        if (rc != 0)
        {
            Interop.LibC.posix_spawn_file_actions_destroy(actions);
            throw new LinuxException(rc, "posix_spawnattr_init");
        }

        try
        {
            if (stdout is not null)
            {
                Check(Interop.LibC.posix_spawn_file_actions_adddup2(actions, stdout.Fd, 1), "posix_spawn_file_actions_adddup2");
            }

            if (stderr is not null)
            {
                Check(Interop.LibC.posix_spawn_file_actions_adddup2(actions, stderr.Fd, 2), "posix_spawn_file_actions_adddup2");
            }

            Tmds.Linux.sigset_t empty;
            Tmds.Linux.sigset_t all;
            sigemptyset(&empty);
            sigfillset(&all);
            // glibc's sigfillset leaves out its two internal signals (32 SIGCANCEL, 33 SIGSETXID), and posix_spawn then
            // sets them to SIG_IGN in the child, which execve keeps: the program would start with SIGCANCEL ignored.
            // Setting their bits by hand (sigaddset refuses them) makes posix_spawn give them SIG_DFL like the rest.
            ((ulong*)&all)[0] |= (1UL << (32 - 1)) | (1UL << (33 - 1));
            Check(Interop.LibC.posix_spawnattr_setsigmask(attr, &empty), "posix_spawnattr_setsigmask");
            Check(Interop.LibC.posix_spawnattr_setsigdefault(attr, &all), "posix_spawnattr_setsigdefault");
            Check(Interop.LibC.posix_spawnattr_setflags(attr, Interop.LibC.POSIX_SPAWN_SETSIGMASK | Interop.LibC.POSIX_SPAWN_SETSIGDEF), "posix_spawnattr_setflags");
            int pid;
            rc = Interop.LibC.posix_spawn(&pid, _path, actions, attr, _argv, _envp);
            return rc == 0 ? pid : throw new LinuxException(rc, "exec", Path);
        }
        finally
        {
            Interop.LibC.posix_spawnattr_destroy(attr);
            Interop.LibC.posix_spawn_file_actions_destroy(actions);
        }
    }

    public void Dispose()
    {
        foreach (nint p in _allocations)
        {
            NativeMemory.Free((void*)p);
        }

        _allocations.Clear();
    }

    private static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            throw new LinuxException(rc, call);
        }
    }

    private byte* Copy(string s)
    {
        int length = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)length + 1);
        _allocations.Add((nint)p);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, length));
        p[length] = 0;
        return p;
    }

    private byte** CopyArray(IReadOnlyList<string> items)
    {
        byte** array = (byte**)NativeMemory.Alloc((nuint)(items.Count + 1), (nuint)sizeof(byte*));
        _allocations.Add((nint)array);
        for (int i = 0; i < items.Count; i++)
        {
            array[i] = Copy(items[i]);
        }

        array[items.Count] = null;
        return array;
    }
}
