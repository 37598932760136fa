namespace PSContainer.Runtime.Linux.Interop;

// <linux/mount.h>: pivot_root(2) and the file-descriptor based mount API (Linux 5.2+): fsopen, fsconfig,
// fsmount, move_mount, open_tree. Tmds.LibC 0.5.0 predates all of them.
internal static unsafe partial class LibC
{
    internal const uint FSOPEN_CLOEXEC = 0x00000001;

    internal const uint FSCONFIG_SET_FLAG = 0;
    internal const uint FSCONFIG_SET_STRING = 1;
    internal const uint FSCONFIG_SET_BINARY = 2;
    internal const uint FSCONFIG_SET_PATH = 3;
    internal const uint FSCONFIG_SET_PATH_EMPTY = 4;
    internal const uint FSCONFIG_SET_FD = 5;
    internal const uint FSCONFIG_CMD_CREATE = 6;
    internal const uint FSCONFIG_CMD_RECONFIGURE = 7;

    internal const uint FSMOUNT_CLOEXEC = 0x00000001;

    internal const uint MOUNT_ATTR_RDONLY = 0x00000001;
    internal const uint MOUNT_ATTR_NOSUID = 0x00000002;
    internal const uint MOUNT_ATTR_NODEV = 0x00000004;
    internal const uint MOUNT_ATTR_NOEXEC = 0x00000008;
    internal const uint MOUNT_ATTR__ATIME = 0x00000070;
    internal const uint MOUNT_ATTR_RELATIME = 0x00000000;
    internal const uint MOUNT_ATTR_NOATIME = 0x00000010;
    internal const uint MOUNT_ATTR_STRICTATIME = 0x00000020;
    internal const uint MOUNT_ATTR_NODIRATIME = 0x00000080;

    internal const uint MOVE_MOUNT_F_SYMLINKS = 0x00000001;
    internal const uint MOVE_MOUNT_F_AUTOMOUNTS = 0x00000002;
    internal const uint MOVE_MOUNT_F_EMPTY_PATH = 0x00000004;
    internal const uint MOVE_MOUNT_T_SYMLINKS = 0x00000010;
    internal const uint MOVE_MOUNT_T_AUTOMOUNTS = 0x00000020;
    internal const uint MOVE_MOUNT_T_EMPTY_PATH = 0x00000040;

    internal const uint OPEN_TREE_CLONE = 1;

    // AT_FDCWD and AT_EMPTY_PATH come from Tmds.LibC.
    internal const int AT_RECURSIVE = 0x8000;

    internal static int pivot_root(byte* newRoot, byte* putOld) =>
        (int)Syscall(SYS_pivot_root, (nint)newRoot, (nint)putOld);

    internal static int fsopen(byte* fsName, uint flags) =>
        (int)Syscall(SYS_fsopen, (nint)fsName, (nint)flags);

    internal static int fsconfig(int fd, uint cmd, byte* key, void* value, int aux) =>
        (int)Syscall(SYS_fsconfig, fd, (nint)cmd, (nint)key, (nint)value, aux);

    internal static int fsmount(int fd, uint flags, uint attrFlags) =>
        (int)Syscall(SYS_fsmount, fd, (nint)flags, (nint)attrFlags);

    internal static int move_mount(int fromDirFd, byte* fromPath, int toDirFd, byte* toPath, uint flags) =>
        (int)Syscall(SYS_move_mount, fromDirFd, (nint)fromPath, toDirFd, (nint)toPath, (nint)flags);

    internal static int open_tree(int dirFd, byte* path, uint flags) =>
        (int)Syscall(SYS_open_tree, dirFd, (nint)path, (nint)flags);
}
