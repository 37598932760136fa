namespace PSContainer.Runtime.Linux.Interop;

// <unistd.h>: sysconf names (sysconf itself comes from Tmds.LibC).
internal static partial class LibC
{
    internal const int _SC_CLK_TCK = 2;
}
