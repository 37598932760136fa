using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>The user and groups of the calling process (runc's setupUser).</summary>
public static unsafe class Credentials
{
    /// <summary>
    /// setgroups, then setgid, then setuid: the order matters, because once the uid is not 0 the process
    /// has lost CAP_SETGID and could no longer change its groups. An empty list clears the supplementary
    /// groups inherited from the runtime.
    /// </summary>
    public static void Switch(uint uid, uint gid, IReadOnlyList<uint>? additionalGids)
    {
        int count = additionalGids?.Count ?? 0;
        gid_t* groups = stackalloc gid_t[Math.Max(count, 1)];
        for (int i = 0; i < count; i++)
        {
            groups[i] = additionalGids![i];
        }

        if (setgroups(count, groups) < 0)
        {
            throw LinuxException.FromLastError("setgroups");
        }

        if (setgid(gid) < 0)
        {
            throw LinuxException.FromLastError("setgid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (setuid(uid) < 0)
        {
            throw LinuxException.FromLastError("setuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>umask(2); returns the previous mask.</summary>
    public static uint SetUmask(uint mask) => (ushort)umask((ushort)mask);

    /// <summary>fchown(2) to <paramref name="uid"/>, the group left as it is.</summary>
    public static void ChangeOwner(SafeFd fd, uint uid)
    {
        if (fchown(fd.Fd, uid, uint.MaxValue) < 0)
        {
            throw LinuxException.FromLastError("fchown", "terminal");
        }
    }
}
