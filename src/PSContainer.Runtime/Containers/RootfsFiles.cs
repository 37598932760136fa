using System.Runtime.InteropServices;
using PSContainer.Runtime.Linux;
using Tmds.Linux;
using static Tmds.Linux.LibC;
using Sys = PSContainer.Runtime.Linux.Interop.LibC;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Reads small files (<c>/etc/passwd</c>, <c>/etc/group</c>) of a container's root filesystem from the engine,
/// without mounting it: either through the overlay layers as the kernel would merge them (a container that has
/// not started yet), or through a running container's own root (<c>/proc/&lt;pid&gt;/root</c>). Paths are resolved
/// inside the root in both cases: an image's symlinks (absolute or with "..") never reach the host's files.
/// </summary>
public sealed unsafe class RootfsFiles
{
    private const int MaxSymlinks = 40;
    private const uint Directory = 0x4000;
    private const uint Regular = 0x8000;
    private const uint Symlink = 0xA000;
    private const uint CharDevice = 0x2000;
    private readonly IReadOnlyList<string>? _layers;
    private readonly string? _root;

    private RootfsFiles(IReadOnlyList<string>? layers, string? root)
    {
        _layers = layers;
        _root = root;
    }

    /// <summary>Overlay layer directories, top first (a container's upper directory, then the image's layers).</summary>
    public static RootfsFiles FromLayers(IReadOnlyList<string> layersTopFirst) => new(layersTopFirst, null);

    /// <summary>The root filesystem of a new container from the image whose top layer is <paramref name="topChainId"/>.</summary>
    public static RootfsFiles ForImage(Snapshots.ISnapshotter snapshotter, Reference.Digest? topChainId)
    {
        List<string> layers = [];
        for (Reference.Digest? chain = topChainId; chain is { } id && snapshotter.Stat(id) is { } info; chain = info.Parent)
        {
            layers.Add(info.Directory);
        }

        return new(layers, null);
    }

    /// <summary>The root a process sees (<c>/proc/&lt;pid&gt;/root</c> of a running container's init).</summary>
    public static RootfsFiles FromProcessRoot(int pid) =>
        new(null, "/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/root");

    /// <summary>The content of <paramref name="path"/> (absolute, inside the root), or null when it is not a regular file.</summary>
    public byte[]? ReadFile(string path, int maxBytes = 4 * 1024 * 1024) =>
        _root is not null ? ReadInRoot(_root, path, maxBytes) : ReadLayered(path, maxBytes);

    private static byte[]? ReadInRoot(string root, string path, int maxBytes)
    {
        SafeFd rootFd;
        try
        {
            rootFd = SafeFd.OpenPath(root, directory: true);
        }
        catch (LinuxException)
        {
            return null;
        }

        using (rootFd)
        {
            open_how how = new() { flags = (ulong)(O_RDONLY | O_CLOEXEC | O_NOCTTY), resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
            int fd;
            fixed (byte* p = NativeStrings.Utf8z(path.TrimStart('/')))
            {
                fd = openat2(rootFd.Fd, p, &how, (size_t)sizeof(open_how));
            }

            if (fd < 0)
            {
                return null;
            }

            using SafeFd file = new(fd);
            stat st;
            return fstat(file.Fd, &st) == 0 && TypeOf(st) == Regular ? file.ReadToEnd(maxBytes) : null;
        }
    }

    /// <summary>
    /// Walks <paramref name="path"/> one component at a time. A component is found in the topmost layer that has it,
    /// unless a layer above hides it: a whiteout (0/0 character device) for it, or — for anything below a directory —
    /// a layer above in which that directory is opaque or is not a directory at all. Symlinks restart the walk on the
    /// substituted path, from the merged root for absolute targets, as the kernel would inside the container.
    /// </summary>
    private byte[]? ReadLayered(string path, int maxBytes)
    {
        List<string> resolved = [];
        Queue<string> pending = new(Split(path));
        int links = 0;
        while (pending.Count > 0)
        {
            string name = pending.Dequeue();
            if (name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(name);
            (string? hostPath, stat st) = Lookup(resolved);
            if (hostPath is null)
            {
                return null;
            }

            uint type = TypeOf(st);
            if (type == Symlink)
            {
                if (++links > MaxSymlinks)
                {
                    return null;
                }

                string target = ReadLink(hostPath);
                resolved.RemoveAt(resolved.Count - 1);
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                Queue<string> rest = new(Split(target).Concat(pending));
                pending = rest;
                continue;
            }

            if (pending.Count > 0 && type != Directory)
            {
                return null;
            }

            if (pending.Count == 0)
            {
                if (type != Regular)
                {
                    return null;
                }

                using FileStream stream = new(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                byte[] buffer = new byte[Math.Min(stream.Length, maxBytes)];
                stream.ReadExactly(buffer);
                return buffer;
            }
        }

        return null;
    }

    /// <summary>The host path and lstat of the merged entry <paramref name="components"/>, or (null, _) when hidden or absent.</summary>
    /// <remarks>
    /// Each layer's ancestors are checked with lstat before the entry itself, top-level first: a lower layer's
    /// "etc" may be a symlink that the merged view hides behind an upper directory, and looking through it would
    /// leave the layer (and could reach the host's files).
    /// </remarks>
    private (string?, stat) Lookup(List<string> components)
    {
        foreach (string layer in _layers!)
        {
            bool absent = false;
            bool opaque = false;
            for (int depth = 1; depth < components.Count && !absent; depth++)
            {
                string ancestor = layer + "/" + string.Join('/', components.Take(depth));
                if (!LStat(ancestor, out stat a))
                {
                    absent = true;
                }
                else if (TypeOf(a) != Directory)
                {
                    return (null, default); // a whiteout or a file here hides everything below it
                }
                else
                {
                    opaque |= IsOpaque(ancestor);
                }
            }

            string candidate = layer + "/" + string.Join('/', components);
            if (!absent && LStat(candidate, out stat st))
            {
                bool whiteout = TypeOf(st) == CharDevice && st.st_rdev == 0;
                return whiteout ? (null, default) : (candidate, st);
            }

            if (opaque)
            {
                return (null, default);
            }
        }

        return (null, default);
    }

    private static uint TypeOf(stat st) => (ushort)st.st_mode & 0xF000u;

    private static bool LStat(string path, out stat st)
    {
        stat result;
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            int rv = lstat(p, &result);
            st = result;
            return rv == 0;
        }
    }

    private static bool IsOpaque(string directory)
    {
        byte value;
        fixed (byte* p = NativeStrings.Utf8z(directory))
        fixed (byte* key = "trusted.overlay.opaque\0"u8)
        {
            return Sys.lgetxattr(p, key, &value, 1) == 1 && value == (byte)'y';
        }
    }

    private static string ReadLink(string path)
    {
        byte* buffer = stackalloc byte[4096];
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            long n = readlink(p, buffer, 4096);
            return n < 0 ? "" : System.Text.Encoding.UTF8.GetString(buffer, (int)n);
        }
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
