using PSContainer.Runtime.Spec;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Device nodes: reading one as a runtime-spec linux.devices entry (for copying the host's /dev).</summary>
public static unsafe class DeviceNode
{
    /// <summary>The node at <paramref name="path"/> (not following a symlink), or null when it is not a character or block device.</summary>
    public static DeviceSpec? TryRead(string path)
    {
        stat st;
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            if (lstat(p, &st) < 0)
            {
                return null;
            }
        }

        uint mode = (ushort)st.st_mode;
        string? type = (mode & 0xF000) switch { 0x2000 => "c", 0x6000 => "b", _ => null };
        if (type is null)
        {
            return null;
        }

        ulong dev = st.st_rdev;
        // glibc's major()/minor(): the inverse of makedev (see Interop/LibC.stat.cs).
        long major = (long)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0x00000fff));
        long minor = (long)(((dev >> 12) & 0xffffff00) | (dev & 0x000000ff));
        return new DeviceSpec
        {
            Path = path,
            Type = type,
            Major = major,
            Minor = minor,
            FileMode = mode & 0xFFF,
            Uid = st.st_uid,
            Gid = st.st_gid,
        };
    }
}
