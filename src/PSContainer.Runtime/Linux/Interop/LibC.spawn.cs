using System.Runtime.InteropServices;
using Tmds.Linux;

namespace PSContainer.Runtime.Linux.Interop;

// <spawn.h>: posix_spawn(3), fork+exec done entirely in native code (glibc uses clone(CLONE_VM|CLONE_VFORK) and runs
// only its own code in the child), so no managed code ever runs between fork and exec. Tmds.LibC 0.5.0 lacks it.
internal static unsafe partial class LibC
{
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>sizeof(posix_spawnattr_t) is 336 on glibc x86-64 and arm64; the buffer is larger on purpose (opaque).</summary>
    internal const int PosixSpawnAttrSize = 512;

    /// <summary>sizeof(posix_spawn_file_actions_t) is 80 on glibc x86-64 and arm64; the buffer is larger on purpose (opaque).</summary>
    internal const int PosixSpawnFileActionsSize = 128;

    /// <summary>posix_spawn returns an error number instead of setting errno.</summary>
    [LibraryImport("libc")]
    internal static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    internal static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    internal static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    internal static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    internal static partial int posix_spawnattr_setsigmask(void* attr, sigset_t* mask);

    [LibraryImport("libc")]
    internal static partial int posix_spawnattr_setsigdefault(void* attr, sigset_t* signals);

    [LibraryImport("libc")]
    internal static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport("libc")]
    internal static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport("libc")]
    internal static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);
}
