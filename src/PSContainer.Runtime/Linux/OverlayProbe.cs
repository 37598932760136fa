using System.Runtime.InteropServices;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Can this process use overlayfs with its upper and work directories in a given directory? Asked by building
/// (but never attaching) an overlay superblock there: fsopen("overlay") — which also loads the module if it is
/// not loaded yet, so a missing line in /proc/filesystems is not the last word — then lowerdir/upperdir/workdir
/// and FSCONFIG_CMD_CREATE, which is where the kernel checks the upper filesystem (xattrs, d_type, not itself an
/// overlay it cannot stack on). No mount appears anywhere, so there is nothing to clean up but three directories.
/// </summary>
public static unsafe class OverlayProbe
{
    /// <summary>True when an overlay with upper/work under <paramref name="directory"/> (which must exist) can be created.</summary>
    public static bool CanMountIn(string directory)
    {
        string probe = Path.Combine(directory, "probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string part in new[] { "lower", "upper", "work" })
            {
                Directory.CreateDirectory(Path.Combine(probe, part));
            }
            int fs;
            fixed (byte* name = "overlay\0"u8)
            {
                fs = Sys.fsopen(name, Sys.FSOPEN_CLOEXEC);
            }
            if (fs < 0)
            {
                // ENOSYS: a kernel before 5.2, older than anything the shim supports for overlay; decide by the
                // list of filesystems. Anything else (ENODEV: no overlay; EPERM: not privileged) means no.
                return Marshal.GetLastPInvokeError() == Errno.ENOSYS && ListedInProcFilesystems();
            }
            using var fsFd = new SafeFd(fs);
            return Set(fsFd, "lowerdir", Path.Combine(probe, "lower"))
                && Set(fsFd, "upperdir", Path.Combine(probe, "upper"))
                && Set(fsFd, "workdir", Path.Combine(probe, "work"))
                && Sys.fsconfig(fsFd.Fd, Sys.FSCONFIG_CMD_CREATE, null, null, 0) == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try
            {
                DirectoryTree.RemoveAll(probe); // overlay leaves a work/work directory behind: remove the whole tree
            }
            catch (IOException)
            {
                // Best effort: an empty probe directory is harmless.
            }
        }
    }

    private static bool ListedInProcFilesystems()
    {
        try
        {
            return File.ReadLines("/proc/filesystems").Any(line => line.EndsWith("\toverlay", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool Set(SafeFd fs, string key, string value)
    {
        fixed (byte* k = NativeStrings.Utf8z(key))
        fixed (byte* v = NativeStrings.Utf8z(value))
        {
            return Sys.fsconfig(fs.Fd, Sys.FSCONFIG_SET_STRING, k, v, 0) == 0;
        }
    }
}
