using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>
/// Directory reading and whole-filesystem calls that Tmds.LibC 0.5.0 lacks: getdents64 (glibc ≥ 2.30 exports it),
/// syncfs, renameat2 and copy_file_range. Reading directories with getdents64 on a descriptor keeps names as raw
/// bytes (no UTF-8 round trip) and never follows a symlink.
/// </summary>
internal static unsafe partial class LibC
{
    /// <summary>struct linux_dirent64 header: d_ino (8), d_off (8), d_reclen (2), d_type (1), then d_name.</summary>
    public const int Dirent64NameOffset = 19;
    public const int Dirent64RecLenOffset = 16;
    public const int Dirent64TypeOffset = 18;

    public const byte DT_DIR = 4;

    public const uint RENAME_NOREPLACE = 1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getdents64(int fd, void* dirp, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int syncfs(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nuint len, uint flags);
}
