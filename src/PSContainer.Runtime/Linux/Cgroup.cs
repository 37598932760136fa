using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// A container's cgroup: one directory per v1 hierarchy it uses, plus one in the v2 hierarchy when that is mounted,
/// each nested under the cgroup of the process that creates it (/proc/self/cgroup). cgroup v1 and v2 are told apart
/// at run time by where each controller is mounted, so a hybrid machine uses v1 controllers and the v2 tree at once.
/// </summary>
/// <remarks>
/// Life cycle (psc-shim stage 1 drives it): <see cref="Plan"/> (pure), record the directories, <see cref="Create"/>
/// (mkdir + limits), <see cref="Join"/> the container's init before it is released, and after it has ended
/// <see cref="OomKills"/> then <see cref="Remove"/>. Everything here works on paths and is safe from any process.
/// </remarks>
public sealed partial class Cgroup
{
    /// <summary>The v1 controllers a container gets a directory in, where they are mounted as v1.</summary>
    public static readonly IReadOnlyList<string> V1Controllers = ["cpu", "cpuacct", "devices", "freezer", "memory", "pids"];

    public Cgroup(IReadOnlyList<CgroupDirectory> directories)
    {
        Directories = directories;
    }

    public IReadOnlyList<CgroupDirectory> Directories { get; }

    /// <summary>The v2 directory, if the unified hierarchy is mounted.</summary>
    public CgroupDirectory? UnifiedDirectory => Directories.FirstOrDefault(d => d.Unified);

    /// <summary>
    /// Where a container's cgroup goes: in each v1 hierarchy that holds one of <see cref="V1Controllers"/> and in the
    /// v2 hierarchy, <paramref name="relative"/> below the cgroup that <paramref name="self"/> (the lines of
    /// /proc/self/cgroup) names for that hierarchy.
    /// </summary>
    public static Cgroup Plan(string relative, IReadOnlyList<CgroupHierarchy> hierarchies, IReadOnlyList<string> self)
    {
        if (relative.Length == 0 || relative.StartsWith('/') || relative.Split('/').Any(p => p is "" or "." or ".."))
        {
            throw ContainerRuntimeException.InvalidArgument("CgroupPathInvalid",
                $"linux.cgroupsPath \"{relative}\": only a relative path without . or .. is supported (it is nested under the caller's cgroup)", relative);
        }

        List<CgroupDirectory> directories = [];
        foreach (CgroupHierarchy hierarchy in hierarchies)
        {
            if (!hierarchy.Unified && !hierarchy.Controllers.Any(V1Controllers.Contains))
            {
                continue;
            }

            string? own = hierarchy.CgroupOf(self);
            if (own is null)
            {
                continue;
            }

            directories.Add(new CgroupDirectory
            {
                Path = hierarchy.DirectoryOf(own) + "/" + relative,
                Unified = hierarchy.Unified,
                Controllers = hierarchy.Unified ? [] : hierarchy.Controllers,
            });
        }

        return new Cgroup(directories);
    }

    /// <summary>Creates the directories and applies <paramref name="resources"/> (see Cgroup.Resources.cs).</summary>
    public void Create(ResourcesSpec? resources)
    {
        foreach (CgroupDirectory directory in Directories)
        {
            MakeDirectory(directory.Path);
        }

        Apply(resources);
    }

    /// <summary>Moves process <paramref name="pid"/> (with all its threads) into every directory.</summary>
    public void Join(int pid)
    {
        string text = pid.ToString(CultureInfo.InvariantCulture);
        foreach (CgroupDirectory directory in Directories)
        {
            WriteFile(directory.Path, "cgroup.procs", text);
        }
    }

    /// <summary>The processes in the cgroup (host pids), from the v2 directory or a v1 one.</summary>
    public IReadOnlyList<int> Processes()
    {
        CgroupDirectory? source = UnifiedDirectory ?? Directories.FirstOrDefault(d => d.Has("pids")) ?? Directories.FirstOrDefault();
        if (source is null)
        {
            return [];
        }

        string? text = TryReadFile(source.Path, "cgroup.procs");
        return text is null
            ? []
            : text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>How many processes the kernel's OOM killer killed in the cgroup (v1 memory.oom_control, v2 memory.events).</summary>
    public long OomKills()
    {
        long kills = 0;
        foreach (CgroupDirectory directory in Directories)
        {
            string? text = directory.Unified ? TryReadFile(directory.Path, "memory.events")
                : directory.Has("memory") ? TryReadFile(directory.Path, "memory.oom_control") : null;
            kills = Math.Max(kills, KeyedValue(text, "oom_kill"));
        }

        return kills;
    }

    /// <summary>SIGKILL to every process in the cgroup: v2 cgroup.kill when the kernel has it, else one by one while frozen.</summary>
    public void KillAll()
    {
        if (UnifiedDirectory is { } unified && File.Exists(unified.Path + "/cgroup.kill"))
        {
            WriteFile(unified.Path, "cgroup.kill", "1");
            return;
        }

        // Frozen, nothing can fork a new process between reading the list and the kills (runc's signalAllProcesses).
        bool frozen = TryFreezeQuietly();
        foreach (int pid in Processes())
        {
            Signals.Send(pid, Signals.SIGKILL);
        }

        if (frozen)
        {
            Thaw();
        }
    }

    /// <summary>
    /// Removes the directories. A cgroup can only go once it is empty; the processes of a container whose init has
    /// died are dying too, so this waits up to <paramref name="timeout"/> (killing whatever is left half-way through).
    /// Returns false if something could not be removed.
    /// </summary>
    public bool Remove(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        bool killed = false;
        int delay = 1;
        while (true)
        {
            bool done = true;
            foreach (CgroupDirectory directory in Directories)
            {
                done &= TryRemoveDirectory(directory.Path);
            }

            if (done)
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            if (!killed && DateTime.UtcNow >= deadline - timeout / 2)
            {
                killed = true;
                KillAll();
            }

            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, 50);
        }
    }

    private static unsafe void MakeDirectory(string path)
    {
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            if (mkdir(p, 0x1ed) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
            {
                throw LinuxException.FromLastError("mkdir", path);
            }
        }
    }

    private static unsafe bool TryRemoveDirectory(string path)
    {
        fixed (byte* p = NativeStrings.Utf8z(path))
        {
            return rmdir(p) == 0 || Marshal.GetLastPInvokeError() == Errno.ENOENT;
        }
    }

    internal static void WriteFile(string directory, string file, string value)
    {
        using SafeFd fd = SafeFd.Open(directory + "/" + file, O_WRONLY);
        try
        {
            fd.WriteAll(Encoding.ASCII.GetBytes(value));
        }
        catch (LinuxException e)
        {
            throw new LinuxException(e.Errno, "write " + value + " to", directory + "/" + file);
        }
    }

    internal static string? TryReadFile(string directory, string file)
    {
        try
        {
            using SafeFd fd = SafeFd.Open(directory + "/" + file, O_RDONLY);
            return Encoding.ASCII.GetString(fd.ReadToEnd(1024 * 1024));
        }
        catch (LinuxException)
        {
            return null;
        }
    }

    /// <summary>The number after <paramref name="key"/> in a "key value" per line file, or 0.</summary>
    internal static long KeyedValue(string? text, string key)
    {
        foreach (string line in (text ?? "").Split('\n'))
        {
            string[] parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }

        return 0;
    }
}
