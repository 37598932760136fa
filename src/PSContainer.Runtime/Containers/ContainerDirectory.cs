using System.Globalization;
using System.Text;
using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Deleting a container's directory so that nothing is left and nothing outside it is touched. Used by the engine
/// and by psc-shim --remove, so it has no state of its own.
/// </summary>
public static class ContainerDirectory
{
    /// <summary>The prefix a container's directory is renamed to while it is deleted.</summary>
    public const string RemovingPrefix = "removing-";

    /// <summary>
    /// Deletes <paramref name="directory"/> (containers/&lt;id&gt;, or an already renamed removing-&lt;id&gt;), in an
    /// order where a crash at any point leaves something the next engine call understands:
    /// <list type="number">
    /// <item>rename to removing-&lt;id&gt;: the container leaves every listing and name lookup at once, and its name is
    /// free; what remains shows as Removing and is finished by the garbage collection;</item>
    /// <item>unmount whatever is still mounted beneath it (deepest first): a recursive delete must never walk into
    /// a mount — a bound host directory would be emptied. Normally there is nothing: the rootfs was mounted in the
    /// container's own mount namespace, which died with it;</item>
    /// <item><paramref name="beforeDelete"/>, if given, with the renamed directory: what must go with the container
    /// while its files still say so (the engine's: its anonymous volumes, with Remove-Container -Volumes); a crash
    /// before it ends leaves removing-&lt;id&gt;, and the garbage collection calls it again;</item>
    /// <item>delete the tree through descriptors, never following a symlink (the container's upper layer is its
    /// own to fill with links to anywhere);</item>
    /// </list>
    /// The caller holds the container's locks; they live inside the directory and move with the rename.
    /// </summary>
    public static void Remove(string directory, Action<string>? beforeDelete = null)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string name = Path.GetFileName(directory);
        string doomed = name.StartsWith(RemovingPrefix, StringComparison.Ordinal)
            ? directory
            : Path.Combine(Path.GetDirectoryName(directory)!, RemovingPrefix + name);
        if (doomed != directory)
        {
            if (!Directory.Exists(directory))
            {
                return; // someone else removed it first
            }

            Directory.Move(directory, doomed);
        }

        // What a killed monitor could not clean up: its cgroup (any process left in it is killed first). A crash
        // before this point leaves removing-<id>, which is retried.
        ContainerCgroups.Remove(doomed);
        UnmountBeneath(doomed);
        beforeDelete?.Invoke(doomed);
        DirectoryTree.RemoveAll(doomed);
    }

    /// <summary>Mount points at or below <paramref name="directory"/>, from /proc/self/mountinfo.</summary>
    public static IReadOnlyList<string> MountsBeneath(string directory)
    {
        string prefix = directory.TrimEnd('/') + "/";
        List<string> found = [];
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Fields: id parent major:minor root mount-point options ...; paths escape space, tab, newline and
            // backslash as \ooo octal.
            string[] fields = line.Split(' ');
            if (fields.Length > 4)
            {
                string mountPoint = Unescape(fields[4]);
                if (mountPoint == directory || mountPoint.StartsWith(prefix, StringComparison.Ordinal))
                {
                    found.Add(mountPoint);
                }
            }
        }

        return found;
    }

    private static void UnmountBeneath(string directory)
    {
        foreach (string mountPoint in MountsBeneath(directory).OrderByDescending(m => m.Length))
        {
            try
            {
                Mounter.Unmount(mountPoint, detach: true);
            }
            catch (LinuxException e) when (e.Errno is Errno.EINVAL or Errno.ENOENT)
            {
                // Already gone (a parent's detach took it along).
            }
        }

        if (MountsBeneath(directory).Count > 0)
        {
            throw new IOException($"{directory}: still has mounts beneath it; not deleting through them");
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        StringBuilder result = new(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length &&
                int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                result.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                result.Append(field[i]);
            }
        }

        return result.ToString();
    }
}
