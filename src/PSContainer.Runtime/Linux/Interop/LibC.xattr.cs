using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>&lt;sys/xattr.h&gt;, which Tmds.LibC 0.5.0 lacks. Paths and names are NUL-terminated byte strings.</summary>
internal static unsafe partial class LibC
{
    /// <summary>flags for setxattr: fail if the attribute exists / does not exist.</summary>
    public const int XATTR_CREATE = 1;
    public const int XATTR_REPLACE = 2;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setxattr(byte* path, byte* name, void* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int lsetxattr(byte* path, byte* name, void* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsetxattr(int fd, byte* name, void* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getxattr(byte* path, byte* name, void* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint lgetxattr(byte* path, byte* name, void* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint listxattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint llistxattr(byte* path, byte* list, nuint size);
}
