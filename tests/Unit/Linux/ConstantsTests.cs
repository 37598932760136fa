using PSContainer.Runtime.Linux;
using Xunit;
using Sec = PSContainer.Runtime.Linux.Interop.LibSeccomp;
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
        ("SIGQUIT", "SIGQUIT", Signals.SIGQUIT),
        ("SIGUSR1", "SIGUSR1", Signals.SIGUSR1),
        ("SIGUSR2", "SIGUSR2", Signals.SIGUSR2),
        ("SIGALRM", "SIGALRM", Signals.SIGALRM),
        ("SIGSTOP", "SIGSTOP", Signals.SIGSTOP),
        ("SIGWINCH", "SIGWINCH", Signals.SIGWINCH),
        ("EBUSY", "EBUSY", Errno.EBUSY),
        ("PR_SET_KEEPCAPS", "PR_SET_KEEPCAPS", Sys.PR_SET_KEEPCAPS),
        ("PR_SET_NAME", "PR_SET_NAME", Sys.PR_SET_NAME),
        ("PR_SET_SECCOMP", "PR_SET_SECCOMP", Sys.PR_SET_SECCOMP),
        ("PR_CAPBSET_READ", "PR_CAPBSET_READ", Sys.PR_CAPBSET_READ),
        ("PR_CAPBSET_DROP", "PR_CAPBSET_DROP", Sys.PR_CAPBSET_DROP),
        ("PR_CAP_AMBIENT", "PR_CAP_AMBIENT", Sys.PR_CAP_AMBIENT),
        ("PR_CAP_AMBIENT_RAISE", "PR_CAP_AMBIENT_RAISE", Sys.PR_CAP_AMBIENT_RAISE),
        ("PR_CAP_AMBIENT_CLEAR_ALL", "PR_CAP_AMBIENT_CLEAR_ALL", Sys.PR_CAP_AMBIENT_CLEAR_ALL),
        ("SECCOMP_MODE_FILTER", "SECCOMP_MODE_FILTER", Sys.SECCOMP_MODE_FILTER),
        ("SECCOMP_SET_MODE_FILTER", "SECCOMP_SET_MODE_FILTER", 1),
        ("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_LOG", SeccompFilter.FlagValues["SECCOMP_FILTER_FLAG_LOG"]),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompFilter.FlagValues["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]),
        ("SYS_seccomp", "SYS_seccomp", Sys.SYS_seccomp),
        ("sizeof(struct sock_fprog)", "sizeof(struct sock_fprog)", System.Runtime.InteropServices.Marshal.SizeOf<SeccompFilter.SockFprog>()),
        ("sizeof(struct sock_filter)", "sizeof(struct sock_filter)", 8),
        ("_LINUX_CAPABILITY_VERSION_3", "_LINUX_CAPABILITY_VERSION_3", Sys._LINUX_CAPABILITY_VERSION_3),
        ("_LINUX_CAPABILITY_U32S_3", "_LINUX_CAPABILITY_U32S_3", Sys._LINUX_CAPABILITY_U32S_3),
        ("sizeof(struct __user_cap_header_struct)", "sizeof(struct __user_cap_header_struct)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.cap_user_header>()),
        ("sizeof(struct __user_cap_data_struct)", "sizeof(struct __user_cap_data_struct)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.cap_user_data>()),
        ("RLIMIT_CPU", "RLIMIT_CPU", Sys.RLIMIT_CPU),
        ("RLIMIT_FSIZE", "RLIMIT_FSIZE", Sys.RLIMIT_FSIZE),
        ("RLIMIT_DATA", "RLIMIT_DATA", Sys.RLIMIT_DATA),
        ("RLIMIT_STACK", "RLIMIT_STACK", Sys.RLIMIT_STACK),
        ("RLIMIT_CORE", "RLIMIT_CORE", Sys.RLIMIT_CORE),
        ("RLIMIT_RSS", "RLIMIT_RSS", Sys.RLIMIT_RSS),
        ("RLIMIT_NPROC", "RLIMIT_NPROC", Sys.RLIMIT_NPROC),
        ("RLIMIT_NOFILE", "RLIMIT_NOFILE", Sys.RLIMIT_NOFILE),
        ("RLIMIT_MEMLOCK", "RLIMIT_MEMLOCK", Sys.RLIMIT_MEMLOCK),
        ("RLIMIT_AS", "RLIMIT_AS", Sys.RLIMIT_AS),
        ("RLIMIT_LOCKS", "RLIMIT_LOCKS", Sys.RLIMIT_LOCKS),
        ("RLIMIT_SIGPENDING", "RLIMIT_SIGPENDING", Sys.RLIMIT_SIGPENDING),
        ("RLIMIT_MSGQUEUE", "RLIMIT_MSGQUEUE", Sys.RLIMIT_MSGQUEUE),
        ("RLIMIT_NICE", "RLIMIT_NICE", Sys.RLIMIT_NICE),
        ("RLIMIT_RTPRIO", "RLIMIT_RTPRIO", Sys.RLIMIT_RTPRIO),
        ("RLIMIT_RTTIME", "RLIMIT_RTTIME", Sys.RLIMIT_RTTIME),
        ("sizeof(struct rlimit64)", "sizeof(struct rlimit64)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.rlimit64>()),
        ("POSIX_SPAWN_SETSIGDEF", "POSIX_SPAWN_SETSIGDEF", Sys.POSIX_SPAWN_SETSIGDEF),
        ("POSIX_SPAWN_SETSIGMASK", "POSIX_SPAWN_SETSIGMASK", Sys.POSIX_SPAWN_SETSIGMASK),
        ("sizeof(posix_spawnattr_t) fits", "sizeof(posix_spawnattr_t) <= " + Sys.PosixSpawnAttrSize, 1),
        ("sizeof(posix_spawn_file_actions_t) fits", "sizeof(posix_spawn_file_actions_t) <= " + Sys.PosixSpawnFileActionsSize, 1),
        ("MFD_CLOEXEC", "MFD_CLOEXEC", Sys.MFD_CLOEXEC),
        ("MFD_ALLOW_SEALING", "MFD_ALLOW_SEALING", Sys.MFD_ALLOW_SEALING),
        ("F_ADD_SEALS", "F_ADD_SEALS", Sys.F_ADD_SEALS),
        ("F_GET_SEALS", "F_GET_SEALS", Sys.F_GET_SEALS),
        ("F_SEAL_SEAL", "F_SEAL_SEAL", Sys.F_SEAL_SEAL),
        ("F_SEAL_SHRINK", "F_SEAL_SHRINK", Sys.F_SEAL_SHRINK),
        ("F_SEAL_GROW", "F_SEAL_GROW", Sys.F_SEAL_GROW),
        ("F_SEAL_WRITE", "F_SEAL_WRITE", Sys.F_SEAL_WRITE),
        ("_SC_CLK_TCK", "_SC_CLK_TCK", Sys._SC_CLK_TCK),
        ("EPERM", "EPERM", Errno.EPERM),
        ("ENOENT", "ENOENT", Errno.ENOENT),
        ("ESRCH", "ESRCH", Errno.ESRCH),
        ("EINTR", "EINTR", Errno.EINTR),
        ("EIO", "EIO", Errno.EIO),
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
        "net/if.h", "sys/ioctl.h", "sys/wait.h", "sys/sysmacros.h", "linux/capability.h", "linux/seccomp.h", "linux/filter.h",
        "sys/resource.h", "spawn.h", "sys/mman.h", "unistd.h", "poll.h", "stddef.h",
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, long>> FromHeaders =
        new(() => CHeaders.Evaluate(Includes, Values.Select(v => (v.Name, v.C))));

    public static TheoryData<string> Names => new(Values.Select(v => v.Name));

    /// <summary>Every capability name, by number, as &lt;linux/capability.h&gt; defines it.</summary>
    [Fact]
    public void CapabilityNumbersAreTheKernelHeaders()
    {
        var fromHeaders = CHeaders.Evaluate(["linux/capability.h"], Capabilities.Names.Select(n => (n, n)));
        for (int i = 0; i < Capabilities.Names.Count; i++)
        {
            Assert.Equal(i, fromHeaders[Capabilities.Names[i]]);
        }

        Assert.Equal(Capabilities.Names.Count - 1, CHeaders.Evaluate(["linux/capability.h"], [("last", "CAP_LAST_CAP")])["last"]);
    }

    /// <summary>libseccomp's actions, comparisons and struct layout (&lt;seccomp.h&gt;, package libseccomp-dev).</summary>
    [Fact]
    public void LibseccompConstantsAreItsHeaders()
    {
        (string, string, long)[] values =
        [
            ("ALLOW", "SCMP_ACT_ALLOW", Sec.SCMP_ACT_ALLOW),
            ("ERRNO", "SCMP_ACT_ERRNO(0)", Sec.SCMP_ACT_ERRNO_BASE),
            ("TRACE", "SCMP_ACT_TRACE(0)", Sec.SCMP_ACT_TRACE_BASE),
            ("KILL_PROCESS", "SCMP_ACT_KILL_PROCESS", Sec.SCMP_ACT_KILL_PROCESS),
            ("KILL_THREAD", "SCMP_ACT_KILL_THREAD", Sec.SCMP_ACT_KILL_THREAD),
            ("TRAP", "SCMP_ACT_TRAP", Sec.SCMP_ACT_TRAP),
            ("NOTIFY", "SCMP_ACT_NOTIFY", Sec.SCMP_ACT_NOTIFY),
            ("LOG", "SCMP_ACT_LOG", Sec.SCMP_ACT_LOG),
            ("NE", "SCMP_CMP_NE", Sec.SCMP_CMP_NE),
            ("LT", "SCMP_CMP_LT", Sec.SCMP_CMP_LT),
            ("LE", "SCMP_CMP_LE", Sec.SCMP_CMP_LE),
            ("EQ", "SCMP_CMP_EQ", Sec.SCMP_CMP_EQ),
            ("GE", "SCMP_CMP_GE", Sec.SCMP_CMP_GE),
            ("GT", "SCMP_CMP_GT", Sec.SCMP_CMP_GT),
            ("MASKED_EQ", "SCMP_CMP_MASKED_EQ", Sec.SCMP_CMP_MASKED_EQ),
            ("NNP", "SCMP_FLTATR_CTL_NNP", Sec.SCMP_FLTATR_CTL_NNP),
            ("OPTIMIZE", "SCMP_FLTATR_CTL_OPTIMIZE", Sec.SCMP_FLTATR_CTL_OPTIMIZE),
            ("ERROR", "__NR_SCMP_ERROR", Sec.__NR_SCMP_ERROR),
            ("size", "sizeof(struct scmp_arg_cmp)", System.Runtime.InteropServices.Marshal.SizeOf<PSContainer.Runtime.Linux.Interop.scmp_arg_cmp>()),
            ("offset", "offsetof(struct scmp_arg_cmp, datum_a)", 8),
        ];
        var fromHeaders = CHeaders.Evaluate(["seccomp.h"], values.Select(v => (v.Item1, v.Item2)));
        foreach ((string name, _, long ours) in values)
        {
            Assert.Equal(fromHeaders[name], ours);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesTheSystemHeaders(string name)
    {
        long ours = Values.Single(v => v.Name == name).Ours;
        Assert.Equal(FromHeaders.Value[name], ours);
    }
}
