using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>
/// Stage 1's part in a container's cgroup: create it under our own cgroup (which is the caller's: psc-shim is started
/// by the engine and inherits its cgroups), apply the limits and move the init in before it is released; when the
/// container has ended, read whether the OOM killer struck and remove it, so no cgroup outlives its container.
/// </summary>
internal static class CgroupSetup
{
    /// <summary>How long a finished container's cgroup may take to empty (its processes are already dying).</summary>
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Places process <paramref name="pid"/> in the container's cgroup; null when the config asks for none
    /// (linux.cgroupsPath unset). cgroup.json is written before any directory exists, so whatever happens next,
    /// the directories can be found and removed.
    /// </summary>
    public static Cgroup? Place(Bundle bundle, IReadOnlyList<CgroupHierarchy> hierarchies, int pid)
    {
        string? relative = bundle.Spec.Linux.CgroupsPath;
        if (string.IsNullOrEmpty(relative))
        {
            return null;
        }

        Cgroup cgroup = Cgroup.Plan(relative, hierarchies, File.ReadAllLines("/proc/self/cgroup"));
        new CgroupState { Directories = cgroup.Directories }.WriteTo(bundle.Directory);
        try
        {
            cgroup.Create(bundle.Spec.Linux.Resources);
            cgroup.Join(pid);
        }
        catch
        {
            cgroup.Remove(RemoveTimeout);
            throw;
        }

        return cgroup;
    }

    /// <summary>After the container's init has ended: true if the OOM killer killed anything in it; then removes the cgroup.</summary>
    public static bool Finish(Cgroup? cgroup)
    {
        if (cgroup is null)
        {
            return false;
        }

        bool oomKilled = cgroup.OomKills() > 0;
        if (!cgroup.Remove(RemoveTimeout))
        {
            Console.Error.WriteLine("psc-shim: cgroup " + string.Join(", ", cgroup.Directories.Select(d => d.Path)) + ": could not be removed");
        }

        return oomKilled;
    }
}
