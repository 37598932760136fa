using System.Runtime.InteropServices;

namespace PSContainer.Runtime.Linux.Interop;

/// <summary>removexattr from &lt;sys/xattr.h&gt; (the rest of the family is in LibC.xattr.cs).</summary>
internal static unsafe partial class LibC
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial int lremovexattr(byte* path, byte* name);
}
