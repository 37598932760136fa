using System.Globalization;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Linux;

// linux.resources written to the cgroup files: v1 where the controller is mounted as v1, else v2.
public sealed partial class Cgroup
{
    /// <summary>
    /// Writes the limits. A controller mounted as v1 gets its v1 files; one that is only available in v2 is first
    /// enabled in the parent's cgroup.subtree_control (which cgroup v2 refuses while the parent itself holds
    /// processes — the "no internal processes" rule — and that is reported as such).
    /// </summary>
    public void Apply(ResourcesSpec? resources)
    {
        if (resources is null)
        {
            return;
        }

        HashSet<string> onV1 = new(Directories.Where(d => !d.Unified).SelectMany(d => d.Controllers), StringComparer.Ordinal);
        foreach (CgroupDirectory directory in Directories.Where(d => !d.Unified))
        {
            ApplyV1(directory, resources);
        }

        if (UnifiedDirectory is { } unified)
        {
            List<string> needed = [];
            if (resources.Memory?.Limit is not null && !onV1.Contains("memory")) needed.Add("memory");
            if (resources.Cpu is { Quota: not null } or { Shares: not null } && !onV1.Contains("cpu")) needed.Add("cpu");
            if (resources.Pids is not null && !onV1.Contains("pids")) needed.Add("pids");
            if (needed.Count > 0)
            {
                EnableInParent(unified.Path, needed);
                ApplyV2(unified, resources, needed);
            }
        }
        else
        {
            string? missing = resources.Memory?.Limit is not null && !onV1.Contains("memory") ? "memory"
                : resources.Cpu?.Quota is not null && !onV1.Contains("cpu") ? "cpu"
                : resources.Pids is not null && !onV1.Contains("pids") ? "pids" : null;
            if (missing is not null)
            {
                throw new ContainerRuntimeException(ErrorKind.FailedPrecondition, "CgroupControllerUnavailable",
                    $"cgroup: the {missing} controller is not mounted (neither as cgroup v1 nor in a cgroup v2 hierarchy)");
            }
        }
    }

    private static void ApplyV1(CgroupDirectory directory, ResourcesSpec resources)
    {
        if (directory.Has("memory") && resources.Memory?.Limit is { } limit)
        {
            // Limit before memory+swap: the kernel keeps memsw >= limit, and a fresh cgroup has both unlimited.
            WriteFile(directory.Path, "memory.limit_in_bytes", Number(limit));
            if (resources.Memory.Swap is { } swap && File.Exists(directory.Path + "/memory.memsw.limit_in_bytes"))
            {
                WriteFile(directory.Path, "memory.memsw.limit_in_bytes", Number(swap));
            }
        }

        if (directory.Has("cpu") && resources.Cpu is { } cpu)
        {
            // The period first: a quota is checked against the period in force.
            if (cpu.Period is { } period)
            {
                WriteFile(directory.Path, "cpu.cfs_period_us", Number((long)period));
            }

            if (cpu.Quota is { } quota)
            {
                WriteFile(directory.Path, "cpu.cfs_quota_us", Number(quota));
            }

            if (cpu.Shares is { } shares)
            {
                WriteFile(directory.Path, "cpu.shares", Number((long)shares));
            }
        }

        if (directory.Has("pids") && resources.Pids is { } pids)
        {
            WriteFile(directory.Path, "pids.max", pids.Limit > 0 ? Number(pids.Limit) : "max");
        }

        if (directory.Has("devices") && resources.Devices is { Count: > 0 } rules)
        {
            // In order, as runc does: the list usually starts by denying everything, then allows what is needed.
            foreach (DeviceCgroupRule rule in rules)
            {
                string major = rule.Major is { } ma && ma >= 0 ? Number(ma) : "*";
                string minor = rule.Minor is { } mi && mi >= 0 ? Number(mi) : "*";
                string type = string.IsNullOrEmpty(rule.Type) ? "a" : rule.Type;
                string access = string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access;
                WriteFile(directory.Path, rule.Allow ? "devices.allow" : "devices.deny", $"{type} {major}:{minor} {access}");
            }
        }
    }

    private static void ApplyV2(CgroupDirectory directory, ResourcesSpec resources, List<string> controllers)
    {
        if (controllers.Contains("memory") && resources.Memory?.Limit is { } limit)
        {
            WriteFile(directory.Path, "memory.max", Number(limit));
            // v2 counts swap on its own; the spec's swap is memory+swap, as in v1.
            if (resources.Memory.Swap is { } swap && File.Exists(directory.Path + "/memory.swap.max"))
            {
                WriteFile(directory.Path, "memory.swap.max", swap < 0 ? "max" : Number(Math.Max(0, swap - limit)));
            }
        }

        if (controllers.Contains("cpu") && resources.Cpu is { } cpu)
        {
            if (cpu.Quota is { } quota)
            {
                WriteFile(directory.Path, "cpu.max", (quota > 0 ? Number(quota) : "max") + " " + Number((long)(cpu.Period ?? 100_000)));
            }

            if (cpu.Shares is { } shares)
            {
                // runc's conversion of v1 shares [2, 262144] to v2 weight [1, 10000].
                ulong weight = 1 + ((shares - 2) * 9999 / 262142);
                WriteFile(directory.Path, "cpu.weight", Number((long)weight));
            }
        }

        if (controllers.Contains("pids") && resources.Pids is { } pids)
        {
            WriteFile(directory.Path, "pids.max", pids.Limit > 0 ? Number(pids.Limit) : "max");
        }
    }

    private static void EnableInParent(string path, List<string> controllers)
    {
        string parent = Path.GetDirectoryName(path)!;
        string available = TryReadFile(parent, "cgroup.controllers") ?? "";
        foreach (string controller in controllers)
        {
            if (!available.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains(controller))
            {
                throw new ContainerRuntimeException(ErrorKind.FailedPrecondition, "CgroupControllerUnavailable",
                    $"cgroup v2 {parent}: the {controller} controller is not available there (cgroup.controllers: \"{available.Trim()}\")");
            }

            try
            {
                WriteFile(parent, "cgroup.subtree_control", "+" + controller);
            }
            catch (LinuxException e) when (e.Errno == Errno.EBUSY)
            {
                throw new ContainerRuntimeException(ErrorKind.FailedPrecondition, "CgroupControllerUnavailable",
                    $"cgroup v2 {parent}: cannot enable the {controller} controller for containers because the cgroup holds processes " +
                    "itself (cgroup v2's \"no internal processes\" rule); start PSContainer from a cgroup whose controllers are delegated to its children", e);
            }
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
