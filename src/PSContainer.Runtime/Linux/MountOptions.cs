using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A mount's option list split the way the kernel wants it: MS_* flags for mount(2), propagation changes
/// (which need their own mount(2) call), and the rest as filesystem data ("mode=755", "lowerdir+=/x").
/// The option words are those of mount(8) and the runtime-spec, as runc's parseMountOptions accepts them.
/// </summary>
public sealed class MountOptions
{
    // Words that set a flag, and words that clear one (the default is "cleared").
    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagWords = new(StringComparer.Ordinal)
    {
        ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY),
        ["nosuid"] = (false, MS_NOSUID),
        ["suid"] = (true, MS_NOSUID),
        ["nodev"] = (false, MS_NODEV),
        ["dev"] = (true, MS_NODEV),
        ["noexec"] = (false, MS_NOEXEC),
        ["exec"] = (true, MS_NOEXEC),
        ["sync"] = (false, MS_SYNCHRONOUS),
        ["async"] = (true, MS_SYNCHRONOUS),
        ["dirsync"] = (false, MS_DIRSYNC),
        ["remount"] = (false, MS_REMOUNT),
        ["mand"] = (false, MS_MANDLOCK),
        ["nomand"] = (true, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME),
        ["atime"] = (true, MS_NOATIME),
        ["nodiratime"] = (false, MS_NODIRATIME),
        ["diratime"] = (true, MS_NODIRATIME),
        ["relatime"] = (false, MS_RELATIME),
        ["norelatime"] = (true, MS_RELATIME),
        ["strictatime"] = (false, MS_STRICTATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME),
        ["silent"] = (false, MS_SILENT),
        ["loud"] = (true, MS_SILENT),
        ["bind"] = (false, MS_BIND),
        ["rbind"] = (false, MS_BIND | MS_REC),
    };

    private static readonly Dictionary<string, ulong> PropagationWords = new(StringComparer.Ordinal)
    {
        ["private"] = MS_PRIVATE,
        ["rprivate"] = MS_PRIVATE | MS_REC,
        ["shared"] = MS_SHARED,
        ["rshared"] = MS_SHARED | MS_REC,
        ["slave"] = MS_SLAVE,
        ["rslave"] = MS_SLAVE | MS_REC,
        ["unbindable"] = MS_UNBINDABLE,
        ["runbindable"] = MS_UNBINDABLE | MS_REC,
    };

    private MountOptions(ulong flags, ulong propagation, IReadOnlyList<string> data)
    {
        Flags = flags;
        Propagation = propagation;
        Data = data;
    }

    /// <summary>MS_* flags for mount(2), including MS_BIND and MS_REC for bind/rbind.</summary>
    public ulong Flags { get; }

    /// <summary>MS_PRIVATE/MS_SLAVE/… (with MS_REC) to apply after the mount, or 0.</summary>
    public ulong Propagation { get; }

    /// <summary>Filesystem-specific options, in order.</summary>
    public IReadOnlyList<string> Data { get; }

    public bool IsBind => (Flags & MS_BIND) != 0;

    public bool IsRecursive => (Flags & MS_REC) != 0;

    /// <summary>The data options joined with ',' as mount(2) takes them, or null when there are none.</summary>
    public string? DataString => Data.Count == 0 ? null : string.Join(',', Data);

    /// <summary>The per-mount flags that a bind mount needs a second, MS_REMOUNT call to apply.</summary>
    public ulong RemountFlags => Flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
        MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);

    /// <summary>The same per-mount flags as MOUNT_ATTR_* bits for fsmount(2).</summary>
    public uint MountAttributes
    {
        get
        {
            uint attr = 0;
            if ((Flags & MS_RDONLY) != 0) attr |= Interop.LibC.MOUNT_ATTR_RDONLY;
            if ((Flags & MS_NOSUID) != 0) attr |= Interop.LibC.MOUNT_ATTR_NOSUID;
            if ((Flags & MS_NODEV) != 0) attr |= Interop.LibC.MOUNT_ATTR_NODEV;
            if ((Flags & MS_NOEXEC) != 0) attr |= Interop.LibC.MOUNT_ATTR_NOEXEC;
            if ((Flags & MS_NODIRATIME) != 0) attr |= Interop.LibC.MOUNT_ATTR_NODIRATIME;
            if ((Flags & MS_NOATIME) != 0) attr |= Interop.LibC.MOUNT_ATTR_NOATIME;
            else if ((Flags & MS_STRICTATIME) != 0) attr |= Interop.LibC.MOUNT_ATTR_STRICTATIME;
            return attr;
        }
    }

    public static MountOptions Parse(IEnumerable<string>? options)
    {
        ulong flags = 0;
        ulong propagation = 0;
        List<string> data = [];
        foreach (string option in options ?? [])
        {
            if (FlagWords.TryGetValue(option, out var word))
            {
                flags = word.Clear ? flags & ~word.Flag : flags | word.Flag;
            }
            else if (PropagationWords.TryGetValue(option, out ulong p))
            {
                propagation |= p;
            }
            else if (option.Length > 0)
            {
                data.Add(option);
            }
        }

        return new MountOptions(flags, propagation, data);
    }
}
