namespace PSContainer.Runtime.Linux;

/// <summary>
/// A mounted cgroup hierarchy, read from /proc/self/mountinfo: cgroup v1 (one per controller set, e.g.
/// <c>/sys/fs/cgroup/memory</c>) or the v2 unified hierarchy (<c>/sys/fs/cgroup</c>, or <c>/sys/fs/cgroup/unified</c>
/// on a hybrid system). Which version a controller uses is decided by where it is mounted, at run time.
/// </summary>
/// <param name="MountPoint">Where the hierarchy is mounted.</param>
/// <param name="Root">The cgroup the mount shows as its root (not "/" inside a cgroup namespace or for a bind mount).</param>
/// <param name="Unified">True for cgroup2.</param>
/// <param name="Controllers">v1: the controllers bound to it (and named hierarchies as "name=…"); v2: empty.</param>
public sealed record CgroupHierarchy(string MountPoint, string Root, bool Unified, IReadOnlyList<string> Controllers)
{
    /// <summary>v1 super-block options that are not controllers.</summary>
    private static readonly HashSet<string> NotControllers = new(StringComparer.Ordinal)
    {
        "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", "nofavordynmods",
    };

    /// <summary>The options to mount this hierarchy again (inside a cgroup namespace): its controllers, or the name.</summary>
    public string MountData => string.Join(',', Controllers.Select(c => c.StartsWith("name=", StringComparison.Ordinal) ? "none," + c : c));

    /// <summary>The last part of the mount point, which is also the directory docker uses in /sys/fs/cgroup.</summary>
    public string Name => Path.GetFileName(MountPoint.TrimEnd('/'));

    /// <summary>Every cgroup hierarchy this process can see, the first mount of each.</summary>
    public static IReadOnlyList<CgroupHierarchy> Mounted() => Parse(File.ReadAllLines("/proc/self/mountinfo"));

    public static IReadOnlyList<CgroupHierarchy> Parse(IEnumerable<string> mountinfo)
    {
        List<CgroupHierarchy> result = [];
        foreach (string line in mountinfo)
        {
            // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:13 - cgroup cgroup rw,memory"
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash < 6 || fields.Length < dash + 4)
            {
                continue;
            }

            string type = fields[dash + 1];
            if (type is not ("cgroup" or "cgroup2"))
            {
                continue;
            }

            bool unified = type == "cgroup2";
            string[] controllers = unified
                ? []
                : fields[dash + 3].Split(',').Where(o => !NotControllers.Contains(o) && !o.StartsWith("release_agent=", StringComparison.Ordinal)).ToArray();
            if (result.Any(h => h.Unified == unified && h.Controllers.SequenceEqual(controllers)))
            {
                continue;
            }

            result.Add(new CgroupHierarchy(Unescape(fields[4]), Unescape(fields[3]), unified, controllers));
        }

        return result;
    }

    /// <summary>
    /// The cgroup of process <paramref name="pid"/> in this hierarchy, from /proc/&lt;pid&gt;/cgroup lines
    /// ("4:memory:/a/b"; "0::/a" for v2), or null when the process is not in it.
    /// </summary>
    public string? CgroupOf(IEnumerable<string> procCgroupLines)
    {
        foreach (string line in procCgroupLines)
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            bool match = Unified
                ? parts[0] == "0" && parts[1].Length == 0
                : parts[1].Length > 0 && parts[1].Split(',').Order(StringComparer.Ordinal).SequenceEqual(Controllers.Order(StringComparer.Ordinal));
            if (match)
            {
                return parts[2];
            }
        }

        return null;
    }

    /// <summary>The directory of cgroup <paramref name="cgroup"/> (a path from /proc/pid/cgroup) under this mount.</summary>
    public string DirectoryOf(string cgroup)
    {
        string root = Root.TrimEnd('/');
        string relative = cgroup.StartsWith(root + "/", StringComparison.Ordinal) || cgroup == root || root.Length == 0
            ? cgroup[root.Length..]
            : cgroup; // outside the mount's root: the best guess is the path as it is
        return MountPoint.TrimEnd('/') + relative.TrimEnd('/');
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal.</summary>
    private static string Unescape(string field) =>
        field.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})",
            m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()) : field;
}
