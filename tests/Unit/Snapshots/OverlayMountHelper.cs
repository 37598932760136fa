using Xunit;
using PSContainer.Runtime.Snapshots;
using Tmds.Linux;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Tests.Snapshots;

/// <summary>
/// Test-only: performs an overlay <see cref="Mount"/> with the new mount API (fsopen, one fsconfig per option — which
/// is how <c>lowerdir+=</c> has no length limit — fsmount, move_mount) in the host mount namespace under the test's
/// temp directory, and always unmounts it. The engine itself never mounts; the shim's Mounter does.
/// </summary>
internal static unsafe class OverlayMountHelper
{
    // x86-64 syscall numbers (the test machine); arm64 uses the same numbers for these (asm-generic).
    private const int SysMoveMount = 429;
    private const int SysFsopen = 430;
    private const int SysFsconfig = 431;
    private const int SysFsmount = 432;
    private const int FsconfigSetFlag = 0;
    private const int FsconfigSetString = 1;
    private const int FsconfigCmdCreate = 6;
    private const int MoveMountFEmptyPath = 4;

    public static void WithMount(Mount mount, string target, Action<string> body)
    {
        Assert.Equal("overlay", mount.Type);
        Directory.CreateDirectory(target);
        int fs = (int)(long)(ssize_t)Sys.syscall(SysFsopen, Z("overlay"), 1 /* FSOPEN_CLOEXEC */);
        Assert.True(fs >= 0, $"fsopen: errno {Sys.errno}");
        try
        {
            foreach (string option in mount.Options)
            {
                int eq = option.IndexOf('=');
                long rc = eq < 0
                    ? (long)(ssize_t)Sys.syscall(SysFsconfig, fs, FsconfigSetFlag, Z(option), null, 0)
                    : (long)(ssize_t)Sys.syscall(SysFsconfig, fs, FsconfigSetString, Z(option[..eq]), Z(option[(eq + 1)..]), 0);
                Assert.True(rc == 0, $"fsconfig {option}: errno {Sys.errno}");
            }
            Assert.True((long)(ssize_t)Sys.syscall(SysFsconfig, fs, FsconfigCmdCreate, null, null, 0) == 0, $"fsconfig create: errno {Sys.errno}");
            int mnt = (int)(long)(ssize_t)Sys.syscall(SysFsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
            Assert.True(mnt >= 0, $"fsmount: errno {Sys.errno}");
            try
            {
                long rc = (long)(ssize_t)Sys.syscall(SysMoveMount, mnt, Z(""), Sys.AT_FDCWD, Z(target), MoveMountFEmptyPath);
                Assert.True(rc == 0, $"move_mount: errno {Sys.errno}");
            }
            finally
            {
                Sys.close(mnt);
            }
        }
        finally
        {
            Sys.close(fs);
        }
        try
        {
            body(target);
        }
        finally
        {
            fixed (byte* t = System.Text.Encoding.UTF8.GetBytes(target + "\0"))
            {
                Sys.umount2(t, 2 /* MNT_DETACH */);
            }
        }
    }

    private static byte* Z(string s)
    {
        // Leaked on purpose: a handful of small strings per test.
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(s + "\0");
        byte* p = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }
}
