using PSContainer.Runtime.Linux;
using Xunit;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Tests.Linux;

/// <summary>
/// Every number that Linux/Interop and Linux/Errno hard-code, checked against the system headers of the machine
/// running the tests (see <see cref="CHeaders"/>). Values Tmds.LibC provides are checked by Tmds.LibC itself.
/// </summary>
public sealed class ConstantsTests
{
    private static readonly (string Name, string C, long Ours)[] Values =
    [
        ("SYS_pivot_root", "SYS_pivot_root", Sys.SYS_pivot_root),
        ("SYS_open_tree", "SYS_open_tree", Sys.SYS_open_tree),
        ("SYS_move_mount", "SYS_move_mount", Sys.SYS_move_mount),
        ("SYS_fsopen", "SYS_fsopen", Sys.SYS_fsopen),
        ("SYS_fsconfig", "SYS_fsconfig", Sys.SYS_fsconfig),
        ("SYS_fsmount", "SYS_fsmount", Sys.SYS_fsmount),
        ("SYS_close_range", "SYS_close_range", Sys.SYS_close_range),
        ("SYS_pidfd_open", "SYS_pidfd_open", Sys.SYS_pidfd_open),
        ("SYS_pidfd_send_signal", "SYS_pidfd_send_signal", Sys.SYS_pidfd_send_signal),
        ("POLLIN", "POLLIN", Sys.POLLIN),
        ("sizeof(struct pollfd)", "sizeof(struct pollfd)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.pollfd>()),
        ("offsetof(struct pollfd, revents)", "offsetof(struct pollfd, revents)", 6),
        ("CLOSE_RANGE_UNSHARE", "CLOSE_RANGE_UNSHARE", Sys.CLOSE_RANGE_UNSHARE),
        ("CLOSE_RANGE_CLOEXEC", "CLOSE_RANGE_CLOEXEC", Sys.CLOSE_RANGE_CLOEXEC),
        ("FSOPEN_CLOEXEC", "FSOPEN_CLOEXEC", Sys.FSOPEN_CLOEXEC),
        ("FSCONFIG_SET_FLAG", "FSCONFIG_SET_FLAG", Sys.FSCONFIG_SET_FLAG),
        ("FSCONFIG_SET_STRING", "FSCONFIG_SET_STRING", Sys.FSCONFIG_SET_STRING),
        ("FSCONFIG_SET_BINARY", "FSCONFIG_SET_BINARY", Sys.FSCONFIG_SET_BINARY),
        ("FSCONFIG_SET_PATH", "FSCONFIG_SET_PATH", Sys.FSCONFIG_SET_PATH),
        ("FSCONFIG_SET_PATH_EMPTY", "FSCONFIG_SET_PATH_EMPTY", Sys.FSCONFIG_SET_PATH_EMPTY),
        ("FSCONFIG_SET_FD", "FSCONFIG_SET_FD", Sys.FSCONFIG_SET_FD),
        ("FSCONFIG_CMD_CREATE", "FSCONFIG_CMD_CREATE", Sys.FSCONFIG_CMD_CREATE),
        ("FSCONFIG_CMD_RECONFIGURE", "FSCONFIG_CMD_RECONFIGURE", Sys.FSCONFIG_CMD_RECONFIGURE),
        ("FSMOUNT_CLOEXEC", "FSMOUNT_CLOEXEC", Sys.FSMOUNT_CLOEXEC),
        ("MOUNT_ATTR_RDONLY", "MOUNT_ATTR_RDONLY", Sys.MOUNT_ATTR_RDONLY),
        ("MOUNT_ATTR_NOSUID", "MOUNT_ATTR_NOSUID", Sys.MOUNT_ATTR_NOSUID),
        ("MOUNT_ATTR_NODEV", "MOUNT_ATTR_NODEV", Sys.MOUNT_ATTR_NODEV),
        ("MOUNT_ATTR_NOEXEC", "MOUNT_ATTR_NOEXEC", Sys.MOUNT_ATTR_NOEXEC),
        ("MOUNT_ATTR__ATIME", "MOUNT_ATTR__ATIME", Sys.MOUNT_ATTR__ATIME),
        ("MOUNT_ATTR_RELATIME", "MOUNT_ATTR_RELATIME", Sys.MOUNT_ATTR_RELATIME),
        ("MOUNT_ATTR_NOATIME", "MOUNT_ATTR_NOATIME", Sys.MOUNT_ATTR_NOATIME),
        ("MOUNT_ATTR_STRICTATIME", "MOUNT_ATTR_STRICTATIME", Sys.MOUNT_ATTR_STRICTATIME),
        ("MOUNT_ATTR_NODIRATIME", "MOUNT_ATTR_NODIRATIME", Sys.MOUNT_ATTR_NODIRATIME),
        ("MOVE_MOUNT_F_SYMLINKS", "MOVE_MOUNT_F_SYMLINKS", Sys.MOVE_MOUNT_F_SYMLINKS),
        ("MOVE_MOUNT_F_AUTOMOUNTS", "MOVE_MOUNT_F_AUTOMOUNTS", Sys.MOVE_MOUNT_F_AUTOMOUNTS),
        ("MOVE_MOUNT_F_EMPTY_PATH", "MOVE_MOUNT_F_EMPTY_PATH", Sys.MOVE_MOUNT_F_EMPTY_PATH),
        ("MOVE_MOUNT_T_SYMLINKS", "MOVE_MOUNT_T_SYMLINKS", Sys.MOVE_MOUNT_T_SYMLINKS),
        ("MOVE_MOUNT_T_AUTOMOUNTS", "MOVE_MOUNT_T_AUTOMOUNTS", Sys.MOVE_MOUNT_T_AUTOMOUNTS),
        ("MOVE_MOUNT_T_EMPTY_PATH", "MOVE_MOUNT_T_EMPTY_PATH", Sys.MOVE_MOUNT_T_EMPTY_PATH),
        ("OPEN_TREE_CLONE", "OPEN_TREE_CLONE", Sys.OPEN_TREE_CLONE),
        ("AT_RECURSIVE", "AT_RECURSIVE", Sys.AT_RECURSIVE),
        ("PR_SET_PDEATHSIG", "PR_SET_PDEATHSIG", Sys.PR_SET_PDEATHSIG),
        ("PR_GET_PDEATHSIG", "PR_GET_PDEATHSIG", Sys.PR_GET_PDEATHSIG),
        ("PR_SET_CHILD_SUBREAPER", "PR_SET_CHILD_SUBREAPER", Sys.PR_SET_CHILD_SUBREAPER),
        ("PR_SET_NO_NEW_PRIVS", "PR_SET_NO_NEW_PRIVS", Sys.PR_SET_NO_NEW_PRIVS),
        ("IFNAMSIZ", "IFNAMSIZ", Sys.IFNAMSIZ),
        ("IFF_UP", "IFF_UP", Sys.IFF_UP),
        ("IFF_LOOPBACK", "IFF_LOOPBACK", Sys.IFF_LOOPBACK),
        ("IFF_RUNNING", "IFF_RUNNING", Sys.IFF_RUNNING),
        ("SIOCGIFFLAGS", "SIOCGIFFLAGS", Tmds.Linux.LibC.SIOCGIFFLAGS),
        ("SIOCSIFFLAGS", "SIOCSIFFLAGS", Tmds.Linux.LibC.SIOCSIFFLAGS),
        ("sizeof(struct ifreq)", "sizeof(struct ifreq)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.ifreq>()),
        ("offsetof(struct ifreq, ifr_flags)", "offsetof(struct ifreq, ifr_flags)", 16),
        ("P_PID", "P_PID", Sys.P_PID),
        ("WEXITED", "WEXITED", Sys.WEXITED),
        ("WNOWAIT", "WNOWAIT", Sys.WNOWAIT),
        ("CLD_EXITED", "CLD_EXITED", Sys.CLD_EXITED),
        ("CLD_KILLED", "CLD_KILLED", Sys.CLD_KILLED),
        ("CLD_DUMPED", "CLD_DUMPED", Sys.CLD_DUMPED),
        ("sizeof(siginfo_t)", "sizeof(siginfo_t)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.siginfo_chld>()),
        ("offsetof(siginfo_t, si_errno)", "offsetof(siginfo_t, si_errno)", 4),
        ("offsetof(siginfo_t, si_code)", "offsetof(siginfo_t, si_code)", 8),
        ("offsetof(siginfo_t, si_pid)", "offsetof(siginfo_t, si_pid)", 16),
        ("offsetof(siginfo_t, si_status)", "offsetof(siginfo_t, si_status)", 24),
        ("makedev(1, 3)", "makedev(1, 3)", (long)Sys.makedev(1, 3)),
        ("makedev(5, 0)", "makedev(5, 0)", (long)Sys.makedev(5, 0)),
        ("makedev(0x12345, 0x6789ab)", "makedev(0x12345, 0x6789ab)", (long)Sys.makedev(0x12345, 0x6789ab)),
        ("SIGHUP", "SIGHUP", Signals.SIGHUP),
        ("SIGINT", "SIGINT", Signals.SIGINT),
        ("SIGKILL", "SIGKILL", Signals.SIGKILL),
        ("SIGTERM", "SIGTERM", Signals.SIGTERM),
        ("EPERM", "EPERM", Errno.EPERM),
        ("ENOENT", "ENOENT", Errno.ENOENT),
        ("ESRCH", "ESRCH", Errno.ESRCH),
        ("EINTR", "EINTR", Errno.EINTR),
        ("ENOEXEC", "ENOEXEC", Errno.ENOEXEC),
        ("ECHILD", "ECHILD", Errno.ECHILD),
        ("EACCES", "EACCES", Errno.EACCES),
        ("EEXIST", "EEXIST", Errno.EEXIST),
        ("ENOTDIR", "ENOTDIR", Errno.ENOTDIR),
        ("EISDIR", "EISDIR", Errno.EISDIR),
        ("EINVAL", "EINVAL", Errno.EINVAL),
        ("ENOSYS", "ENOSYS", Errno.ENOSYS),
        ("ELOOP", "ELOOP", Errno.ELOOP),
    ];

    // <linux/mount.h> and <sys/mount.h> collide on glibc 2.36, so only the kernel's header is included.
    private static readonly string[] Includes =
    [
        "errno.h", "fcntl.h", "signal.h", "sys/syscall.h", "linux/mount.h", "linux/close_range.h", "sys/prctl.h",
        "net/if.h", "sys/ioctl.h", "sys/wait.h", "sys/sysmacros.h", "poll.h", "stddef.h",
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, long>> FromHeaders =
        new(() => CHeaders.Evaluate(Includes, Values.Select(v => (v.Name, v.C))));

    public static TheoryData<string> Names => new(Values.Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesTheSystemHeaders(string name)
    {
        long ours = Values.Single(v => v.Name == name).Ours;
        Assert.Equal(FromHeaders.Value[name], ours);
    }
}
