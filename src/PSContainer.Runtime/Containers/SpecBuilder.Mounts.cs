using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

// The mounts of a container: docker's default filesystems, the generated /etc files, then -Volume and -Tmpfs.
public static partial class SpecBuilder
{
    /// <summary>
    /// The mount option by which psc-shim fills an empty volume with what the image has at its mount point before
    /// mounting it (docker does this for a new named volume; crun's "tmpcopyup" is the same idea for tmpfs).
    /// </summary>
    public const string CopyUpOption = "copyup";

    /// <summary>docker's options for --tmpfs, before the user's own (which may override them).</summary>
    private static readonly string[] TmpfsDefaults = ["nosuid", "nodev", "noexec"];

    private static readonly HashSet<string> VolumeOptionWords = new(StringComparer.Ordinal)
    {
        "ro", "rw", "z", "Z", "nocopy", "private", "rprivate", "shared", "rshared", "slave", "rslave",
    };

    /// <summary>docker's default mounts (oci/defaults.go); privileged containers get /sys and its cgroups writable.</summary>
    public static IReadOnlyList<MountSpec> DefaultMounts(bool privileged)
    {
        string sysAccess = privileged ? "rw" : "ro";
        return
        [
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", sysAccess] },
            new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", sysAccess] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
        ];
    }

    /// <summary>Default mounts, /etc/hosts, /etc/hostname and /etc/resolv.conf, then the container's own (see <see cref="UserMounts"/>).</summary>
    public static IReadOnlyList<MountSpec> MountsFor(RunOptions options, IReadOnlyList<ContainerMount> userMounts) =>
        [.. DefaultMounts(options.Privileged), .. NetworkFiles.Mounts(options.ReadOnly), .. userMounts.Select(m => m.ToSpec())];

    /// <summary>
    /// The mounts the user asked for, -Volume then -Tmpfs, as docker describes them. Volumes are created here (an
    /// anonymous one under a new name), so call this once per container and keep the result: it is what the
    /// container's record holds, and what <see cref="SpecContext.Mounts"/> hands to <see cref="Build"/>.
    /// </summary>
    public static IReadOnlyList<ContainerMount> UserMounts(RunOptions options, VolumeStore? volumes, IEnumerable<string>? imageVolumes = null)
    {
        List<ContainerMount> mounts = [];
        HashSet<string> destinations = [];
        foreach (string volume in options.Volumes ?? [])
        {
            ContainerMount mount = Volume(volume, volumes);
            Claim(destinations, mount.Destination, volume);
            mounts.Add(mount);
        }

        foreach (string tmpfs in options.Tmpfs ?? [])
        {
            ContainerMount mount = Tmpfs(tmpfs);
            Claim(destinations, mount.Destination, tmpfs);
            mounts.Add(mount);
        }

        // The image's VOLUMEs that no mount above covers become anonymous volumes filled from the image, as docker
        // makes them (moby's daemon/create.go createContainerOSSpecificSettings).
        foreach (string path in imageVolumes ?? [])
        {
            string destination = path.Length > 1 ? path.TrimEnd('/') : path;
            if (destination.StartsWith('/') && destination != "/" && destinations.Add(Normal(destination)))
            {
                mounts.Add(Volume(destination, volumes));
            }
        }

        return mounts;
    }

    /// <summary>
    /// docker -v: <c>/host:/ctr[:opts]</c> binds a host path (created when missing, as -v does), <c>name:/ctr[:opts]</c>
    /// mounts a named volume and <c>/ctr</c> a new anonymous one. Options: ro, rw, nocopy, the propagation words,
    /// and z/Z (SELinux relabelling, which does not apply here).
    /// </summary>
    private static ContainerMount Volume(string text, VolumeStore? volumes)
    {
        string[] parts = text.Split(':');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            throw InvalidVolume(text, "expected /host/path:/path[:options], name:/path[:options] or /path");
        }

        string? source = parts.Length >= 2 ? parts[0] : null;
        string destination = parts.Length >= 2 ? parts[1] : parts[0];
        string[] words = parts.Length == 3 ? parts[2].Split(',') : [];
        if (words.FirstOrDefault(w => !VolumeOptionWords.Contains(w)) is { } unknown)
        {
            throw InvalidVolume(text, $"unknown option \"{unknown}\"");
        }

        ValidateDestination(destination, text);
        List<string> options = ["rbind"];
        options.Add(words.Contains("ro") ? "ro" : "rw");
        options.Add(words.FirstOrDefault(w => w.Contains("private") || w.Contains("shared") || w.Contains("slave")) ?? "rprivate");
        if (source is not null && source.StartsWith('/'))
        {
            string host = Path.GetFullPath(source);
            if (!File.Exists(host))
            {
                Directory.CreateDirectory(host);
            }

            return new ContainerMount { Destination = destination, Type = ContainerMount.BindType, Source = host, Options = options };
        }

        if (volumes is null)
        {
            throw InvalidVolume(text, "named volumes need the engine's volume store");
        }

        // An anonymous volume gets a name like docker's: 64 hex digits.
        string name = source ?? Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        string data = volumes.Ensure(name);
        if (!words.Contains("nocopy"))
        {
            options.Add(CopyUpOption);
        }

        return new ContainerMount
        {
            Destination = destination, Type = ContainerMount.VolumeType, Name = name, Anonymous = source is null, Source = data, Options = options,
        };
    }

    /// <summary>docker --tmpfs: <c>/path[:options]</c>, options as for mount(8) (size=, mode=, exec, …).</summary>
    private static ContainerMount Tmpfs(string text)
    {
        int colon = text.IndexOf(':');
        string destination = colon < 0 ? text : text[..colon];
        ValidateDestination(destination, text);
        List<string> options = [.. TmpfsDefaults];
        if (colon >= 0)
        {
            options.AddRange(text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries));
        }

        return new ContainerMount { Destination = destination, Type = ContainerMount.TmpfsType, Source = "tmpfs", Options = options };
    }

    private static void ValidateDestination(string destination, string text)
    {
        if (!destination.StartsWith('/') || destination.Split('/', StringSplitOptions.RemoveEmptyEntries).Length == 0)
        {
            throw InvalidVolume(text, $"the path in the container, \"{destination}\", must be absolute and not /");
        }
    }

    private static string Normal(string destination) => "/" + string.Join('/', destination.Split('/', StringSplitOptions.RemoveEmptyEntries));

    private static void Claim(HashSet<string> destinations, string destination, string text)
    {
        string normal = Normal(destination);
        if (!destinations.Add(normal))
        {
            throw ContainerRuntimeException.InvalidArgument("MountPointDuplicate", $"{text}: duplicate mount point {normal}", text);
        }
    }

    private static ContainerRuntimeException InvalidVolume(string text, string why) =>
        ContainerRuntimeException.InvalidArgument("MountSpecificationInvalid", $"invalid mount \"{text}\": {why}", text);
}
