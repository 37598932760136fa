using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

// docker's isolation defaults (moby oci/defaults.go, oci/caps, daemon/oci_linux.go) and the resource limits.
public static partial class SpecBuilder
{
    /// <summary>Docker's default capability set.</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>Hidden from the container: /dev/null over files, an empty read-only tmpfs over directories.</summary>
    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    /// <summary>Visible but read-only (bound onto themselves, then remounted read-only).</summary>
    public static readonly IReadOnlyList<string> ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>
    /// The device cgroup rules of an unprivileged container: deny everything, then allow mknod of any device (the
    /// nodes are useless without read/write) and read/write of the default devices, /dev/console, the pty devices
    /// and tun — docker's list (oci/defaults.go) merged with runc's implicit one (specconv.AllowedDevices).
    /// </summary>
    public static readonly IReadOnlyList<DeviceCgroupRule> DefaultDeviceRules =
    [
        new() { Allow = false, Access = "rwm" },
        new() { Allow = true, Type = "c", Access = "m" },
        new() { Allow = true, Type = "b", Access = "m" },
        Char(1, 3), Char(1, 5), Char(1, 7), Char(1, 8), Char(1, 9), // null, zero, full, random, urandom
        Char(5, 0), Char(5, 1), Char(5, 2), // tty, console, ptmx
        new() { Allow = true, Type = "c", Major = 136, Access = "rwm" }, // /dev/pts/*
        Char(10, 200), // /dev/net/tun
    ];

    private const long CpuPeriod = 100_000;
    private const long MinimumMemory = 6 * 1024 * 1024;

    /// <summary>
    /// The container's capabilities (its bounding, permitted and effective sets): docker's defaults, or with
    /// -Privileged every capability, then docker's --cap-add/--cap-drop rules (ALL in either list wins). Only
    /// capabilities this process holds in its own bounding set can be handed on.
    /// </summary>
    public static IReadOnlyList<string> CapabilitySet(RunOptions options)
    {
        ulong available = Capabilities.CurrentBoundingSet();
        ulong add = Mask(options.AddCapabilities, out bool addAll);
        ulong drop = Mask(options.DropCapabilities, out bool dropAll);
        ulong caps;
        if (addAll)
        {
            caps = available & ~(dropAll ? 0 : drop);
        }
        else
        {
            caps = dropAll ? 0 : (options.Privileged ? available : Capabilities.ToMask(DefaultCapabilities)) & ~drop;
            ulong missing = add & ~available;
            if (missing != 0)
            {
                throw ContainerRuntimeException.InvalidArgument("CapabilityUnavailable",
                    $"capability {string.Join(", ", Capabilities.FromMask(missing))}: not in this process's bounding set, so it cannot be given to a container");
            }

            caps |= add;
        }

        return Capabilities.FromMask(caps & available);
    }

    private static ulong Mask(IReadOnlyList<string>? names, out bool all)
    {
        all = false;
        ulong mask = 0;
        foreach (string raw in names ?? [])
        {
            string name = raw.Trim().ToUpperInvariant();
            if (name == "ALL")
            {
                all = true;
                continue;
            }

            string full = name.StartsWith("CAP_", StringComparison.Ordinal) ? name : "CAP_" + name;
            int n = Capabilities.NumberOf(full);
            mask |= n >= 0 ? 1UL << n : throw ContainerRuntimeException.InvalidArgument("CapabilityUnknown", $"unknown capability: \"{raw}\"", raw);
        }

        return mask;
    }

    /// <summary>linux.resources: the device rules always; memory, CPU and pids limits when asked for.</summary>
    private static ResourcesSpec Resources(RunOptions options)
    {
        MemoryResources? memory = null;
        if (options.Memory is { } limit)
        {
            if (limit < MinimumMemory)
            {
                throw ContainerRuntimeException.InvalidArgument("MemoryLimitTooLow",
                    $"memory limit {limit} bytes: the minimum is 6MB, as with docker", limit);
            }

            // docker's default: as much swap as memory (memory+swap = twice the limit).
            memory = new MemoryResources { Limit = limit, Swap = 2 * limit };
        }

        CpuResources? cpu = null;
        if (options.Processors is { } cpus)
        {
            int count = System.Environment.ProcessorCount;
            if (double.IsNaN(cpus) || cpus < 0.01 || cpus > count)
            {
                throw ContainerRuntimeException.InvalidArgument("ProcessorsOutOfRange",
                    $"processors {cpus}: the range of CPUs is from 0.01 to {count} (the available CPUs)", cpus);
            }

            cpu = new CpuResources { Quota = (long)Math.Round(cpus * CpuPeriod), Period = CpuPeriod };
        }

        PidsResources? pids = options.PidsLimit is > 0 and var max ? new PidsResources { Limit = max } : null;
        IReadOnlyList<DeviceCgroupRule> devices = options.Privileged ? [new DeviceCgroupRule { Allow = true, Access = "rwm" }] : DefaultDeviceRules;
        return new ResourcesSpec { Memory = memory, Cpu = cpu, Pids = pids, Devices = devices };
    }

    /// <summary>Every device node of the host's /dev, for -Privileged (docker: devices.HostDevices).</summary>
    private static IReadOnlyList<DeviceSpec> HostDevices()
    {
        string[] skipped = ["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd", "/dev/.udev", "/dev/.lxc", "/dev/.lxd-mounts"];
        List<DeviceSpec> devices = [];
        Stack<string> pending = new(["/dev"]);
        while (pending.Count > 0)
        {
            string directory = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (string entry in entries)
            {
                if (skipped.Contains(entry))
                {
                    continue;
                }

                if (DeviceNode.TryRead(entry) is { } device)
                {
                    devices.Add(device);
                }
                else if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                {
                    pending.Push(entry);
                }
            }
        }

        return devices.OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
    }

    private static DeviceCgroupRule Char(long major, long minor) => new() { Allow = true, Type = "c", Major = major, Minor = minor, Access = "rwm" };
}
