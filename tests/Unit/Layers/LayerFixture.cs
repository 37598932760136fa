using Xunit;
using System.Formats.Tar;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Reference;
using Tmds.Linux;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Tests.Layers;

/// <summary>
/// A temp directory holding the layer target <c>layer/</c> and a sibling <c>canary/</c> whose content must never
/// change, so every attack test can assert that nothing outside the target was created, changed or followed.
/// </summary>
public sealed class LayerFixture : IDisposable
{
    public LayerFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "psc-tests", Guid.NewGuid().ToString("N"));
        Layer = Path.Combine(Root, "layer");
        Canary = Path.Combine(Root, "canary");
        Directory.CreateDirectory(Layer);
        Directory.CreateDirectory(Canary);
        File.WriteAllText(Path.Combine(Canary, "passwd"), "canary");
        Directory.CreateDirectory(Path.Combine(Canary, "dir"));
        _canaryBefore = Describe(Root, skip: "layer");
    }

    private readonly string _canaryBefore;

    public string Root { get; }

    public string Layer { get; }

    public string Canary { get; }

    public string In(string relative) => Path.Combine(Layer, relative);

    public LayerUnpackResult Unpack(byte[] tar, LayerUnpackOptions? options = null, Digest? diffId = null) =>
        new LayerUnpacker(options).Unpack(new MemoryStream(tar), Layer, diffId, "sha256:test", CancellationToken.None);

    /// <summary>Unpacks and asserts that it was refused with <paramref name="errorId"/>.</summary>
    public Runtime.Errors.ContainerRuntimeException Refused(byte[] tar, string errorId, LayerUnpackOptions? options = null)
    {
        var ex = Assert.Throws<Runtime.Errors.ContainerRuntimeException>(() => Unpack(tar, options));
        Assert.Equal(errorId, ex.ErrorId);
        return ex;
    }

    /// <summary>Nothing beside layer/ changed: same names, types, sizes, modes and mtimes as at the start.</summary>
    public void AssertOutsideUntouched()
    {
        Assert.Equal(_canaryBefore, Describe(Root, skip: "layer"));
        Assert.False(File.Exists("/passwd-psc-test"));
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> with its type, mode, size and mtime, sorted; <paramref name="skip"/>
    /// (relative) is left out with everything below it. Symlinks are described, never followed: an attack layer's
    /// symlink may lead out of the tree or back into it (.NET's recursive enumeration follows directory symlinks).
    /// </summary>
    public static string Describe(string root, string? skip = null)
    {
        var lines = new List<string>();
        Walk(root, "");
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);

        void Walk(string directory, string prefix)
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                string rel = prefix + Path.GetFileName(path);
                if (rel == skip)
                {
                    continue;
                }
                var st = LStat(path);
                lines.Add($"{rel} {st.Mode:x} {st.Size} {st.MtimeSeconds}");
                if (st.IsDirectory)
                {
                    Walk(path, rel + "/");
                }
            }
        }
    }

    public static unsafe FileStat LStat(string path)
    {
        stat st;
        byte[] z = Runtime.Linux.DirectoryFd.Z(path);
        fixed (byte* p = z)
        {
            if (Sys.lstat(p, &st) != 0)
            {
                throw new IOException($"lstat {path}: errno {Sys.errno}");
            }
        }
        ulong rdev = st.st_rdev;
        return new FileStat((uint)(ushort)st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
            (uint)(((rdev >> 32) & 0xFFFFF000) | ((rdev >> 8) & 0xFFF)), (uint)(((rdev >> 12) & 0xFFFFFF00) | (rdev & 0xFF)),
            (ulong)st.st_ino, (ulong)st.st_nlink);
    }

    public static bool Exists(string path)
    {
        try
        {
            LStat(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static Dictionary<string, byte[]> Xattrs(string path)
    {
        using var parent = Runtime.Linux.DirectoryFd.Open(Path.GetDirectoryName(path)!);
        return Runtime.Linux.Xattrs.List(parent, Runtime.Linux.DirectoryFd.Z(Path.GetFileName(path)))
            .ToDictionary(x => System.Text.Encoding.UTF8.GetString(x.Key.AsSpan(0, x.Key.Length - 1)), x => x.Value);
    }

    public void Dispose()
    {
        try
        {
            Runtime.Linux.DirectoryTree.RemoveAll(Root);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record FileStat(uint Mode, uint Uid, uint Gid, long Size, long MtimeSeconds, long MtimeNanoseconds, uint Major, uint Minor, ulong Inode, ulong Links)
{
    public uint Type => Mode & 0xF000;

    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == 0x4000;

    public bool IsRegular => Type == 0x8000;

    public bool IsSymlink => Type == 0xA000;

    public bool IsChar => Type == 0x2000;

    public bool IsBlock => Type == 0x6000;

    public bool IsFifo => Type == 0x1000;
}
