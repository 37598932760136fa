using Native = PSContainer.Runtime.Linux.Interop.LibC;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Reading extended attributes of a child of a directory descriptor (through /proc/self/fd, never following the child).</summary>
public static unsafe class Xattrs
{
    /// <summary>Every xattr of <paramref name="name"/> under <paramref name="parent"/> (or of the directory itself for "\0"): NUL-terminated key, value.</summary>
    public static List<(byte[] Key, byte[] Value)> List(DirectoryFd parent, ReadOnlySpan<byte> name)
    {
        var result = new List<(byte[], byte[])>();
        Span<byte> path = stackalloc byte[64 + name.Length];
        int length = parent.ProcPath(name, path);
        bool self = name.Length == 1; // the magic link itself must be followed to reach the directory
        fixed (byte* p = path[..length])
        {
            nint size = self ? Native.listxattr(p, null, 0) : Native.llistxattr(p, null, 0);
            if (size <= 0)
            {
                int errno = size < 0 ? LinuxException.LastErrno : 0;
                if (size == 0 || errno == Sys.ENOTSUP)
                {
                    return result;
                }
                throw new LinuxException(errno, "llistxattr", parent.DisplayPath + "/" + DirectoryFd.Show(name));
            }
            byte[] names = new byte[size];
            fixed (byte* n = names)
            {
                size = self ? Native.listxattr(p, n, (nuint)names.Length) : Native.llistxattr(p, n, (nuint)names.Length);
            }
            if (size < 0)
            {
                throw LinuxException.FromLastError("llistxattr", parent.DisplayPath + "/" + DirectoryFd.Show(name));
            }
            int start = 0;
            while (start < size)
            {
                int end = Array.IndexOf(names, (byte)0, start);
                byte[] key = names[start..(end + 1)];
                start = end + 1;
                byte[]? value = Get(p, key, self);
                if (value is not null)
                {
                    result.Add((key, value));
                }
            }
        }
        return result;
    }

    /// <summary>Every xattr of a directory descriptor itself.</summary>
    public static List<(byte[] Key, byte[] Value)> List(DirectoryFd directory) => List(directory, "\0"u8);

    private static byte[]? Get(byte* path, byte[] key, bool follow)
    {
        fixed (byte* k = key)
        {
            while (true)
            {
                nint size = follow ? Native.getxattr(path, k, null, 0) : Native.lgetxattr(path, k, null, 0);
                if (size < 0)
                {
                    return null; // removed meanwhile, or not readable: skip it
                }
                byte[] value = new byte[size];
                fixed (byte* v = value)
                {
                    nint got = follow ? Native.getxattr(path, k, v, (nuint)value.Length) : Native.lgetxattr(path, k, v, (nuint)value.Length);
                    if (got >= 0)
                    {
                        return got == value.Length ? value : value[..(int)got];
                    }
                    if (LinuxException.LastErrno != Sys.ERANGE)
                    {
                        return null;
                    }
                }
            }
        }
    }
}
