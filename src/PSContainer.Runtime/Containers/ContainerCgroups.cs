using System.Globalization;
using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// What the engine does with a container's cgroup (recorded by psc-shim in cgroup.json): pause and resume it through
/// the freezer (docker pause/unpause), list its processes (docker top), and clean it up after a monitor that was
/// killed (nothing removed it then).
/// </summary>
public sealed class ContainerCgroups
{
    /// <summary>Freezes every process of a running container.</summary>
    public void Pause(Container container) => RunningCgroup(container).Freeze();

    /// <summary>Thaws a paused container.</summary>
    public void Resume(Container container) => RunningCgroup(container).Thaw();

    /// <summary>True while a running container is frozen (its Status then says Paused).</summary>
    public bool IsPaused(Container container) =>
        container.Status is ContainerStatus.Running or ContainerStatus.Paused &&
        CgroupState.ReadFrom(container.Directory)?.ToCgroup().IsFrozen == true;

    /// <summary>The processes in a running container's cgroup, by host pid.</summary>
    public IReadOnlyList<ContainerProcess> Processes(Container container)
    {
        Cgroup cgroup = RunningCgroup(container);
        RootfsFiles files = RootfsFiles.FromProcessRoot(container.Pid!.Value);
        Dictionary<uint, string> users = Users(files);
        List<ContainerProcess> result = [];
        foreach (int pid in cgroup.Processes())
        {
            if (ProcStat.TryRead(pid) is not { } stat || ReadStatus(pid) is not (uint uid, int containerPid))
            {
                continue; // gone meanwhile
            }

            result.Add(new ContainerProcess
            {
                ContainerId = container.Id,
                ContainerName = container.Name,
                Pid = pid,
                ContainerPid = containerPid,
                ParentPid = stat.ParentPid,
                Uid = uid,
                User = users.GetValueOrDefault(uid) ?? uid.ToString(CultureInfo.InvariantCulture),
                State = stat.State,
                Started = stat.Started,
                CpuTime = stat.CpuTime,
                Command = CommandLine(pid) is { Length: > 0 } line ? line : "[" + stat.Command + "]",
            });
        }

        return result.OrderBy(p => p.ContainerPid).ToList();
    }

    /// <summary>
    /// Removes what is left of a container's cgroup (after its monitor was killed): kills any process still in it
    /// and removes the directories. Safe to call when there is nothing left.
    /// </summary>
    public static void Remove(string containerDirectory)
    {
        if (CgroupState.ReadFrom(containerDirectory)?.ToCgroup() is { } cgroup && !cgroup.Remove(TimeSpan.FromSeconds(5)))
        {
            throw ContainerRuntimeException.Unavailable("CgroupBusy",
                $"cgroup {string.Join(", ", cgroup.Directories.Select(d => d.Path))}: could not be removed");
        }
    }

    private static Cgroup RunningCgroup(Container container)
    {
        if (container.Status is not (ContainerStatus.Running or ContainerStatus.Paused) || container.Pid is null)
        {
            throw ContainerRuntimeException.FailedPrecondition("ContainerNotRunning",
                $"container {container.Name}: is not running (it is {container.Status.ToString().ToLowerInvariant()})", container.Name);
        }

        return CgroupState.ReadFrom(container.Directory)?.ToCgroup()
            ?? throw ContainerRuntimeException.FailedPrecondition("ContainerHasNoCgroup", $"container {container.Name}: has no cgroup", container.Name);
    }

    /// <summary>The real uid and the innermost NSpid from /proc/&lt;pid&gt;/status.</summary>
    private static (uint, int)? ReadStatus(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        uint? uid = null;
        int? nspid = null;
        foreach (string line in text.Split('\n'))
        {
            string[] fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "Uid:")
            {
                uid = uint.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            else if (fields.Length >= 2 && fields[0] == "NSpid:")
            {
                nspid = int.Parse(fields[^1], CultureInfo.InvariantCulture);
            }
        }

        return uid is { } u ? (u, nspid ?? pid) : null;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            byte[] raw = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return Encoding.UTF8.GetString(raw).TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static Dictionary<uint, string> Users(RootfsFiles files)
    {
        Dictionary<uint, string> users = [];
        foreach (string line in Encoding.UTF8.GetString(files.ReadFile("/etc/passwd") ?? []).Split('\n'))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 3 && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                users.TryAdd(uid, fields[0]);
            }
        }

        return users;
    }
}
