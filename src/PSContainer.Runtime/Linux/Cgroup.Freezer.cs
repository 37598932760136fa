using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Linux;

// Pausing a container: the v1 freezer controller where it is mounted, else cgroup v2's cgroup.freeze.
public sealed partial class Cgroup
{
    private static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Freezes every process of the cgroup and waits until the kernel reports them frozen.</summary>
    public void Freeze() => SetFrozen(true);

    public void Thaw() => SetFrozen(false);

    /// <summary>True when the cgroup is frozen (or freezing).</summary>
    public bool IsFrozen
    {
        get
        {
            if (Directories.FirstOrDefault(d => d.Has("freezer")) is { } v1)
            {
                return TryReadFile(v1.Path, "freezer.state")?.Trim() is "FROZEN" or "FREEZING";
            }

            return UnifiedDirectory is { } v2 && TryReadFile(v2.Path, "cgroup.freeze")?.Trim() == "1";
        }
    }

    private bool TryFreezeQuietly()
    {
        try
        {
            Freeze();
            return true;
        }
        catch (Exception e) when (e is LinuxException or ContainerRuntimeException)
        {
            return false;
        }
    }

    private void SetFrozen(bool frozen)
    {
        DateTime deadline = DateTime.UtcNow + FreezeTimeout;
        if (Directories.FirstOrDefault(d => d.Has("freezer")) is { } v1)
        {
            string wanted = frozen ? "FROZEN" : "THAWED";
            WriteFile(v1.Path, "freezer.state", wanted);
            // FREEZING until every task has stopped; writing FROZEN again retries the ones that were busy.
            while (TryReadFile(v1.Path, "freezer.state")?.Trim() != wanted)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw Timeout(v1.Path, frozen);
                }

                Thread.Sleep(1);
                WriteFile(v1.Path, "freezer.state", wanted);
            }

            return;
        }

        if (UnifiedDirectory is { } v2 && File.Exists(v2.Path + "/cgroup.freeze"))
        {
            WriteFile(v2.Path, "cgroup.freeze", frozen ? "1" : "0");
            while (KeyedValue(TryReadFile(v2.Path, "cgroup.events"), "frozen") != (frozen ? 1 : 0))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw Timeout(v2.Path, frozen);
                }

                Thread.Sleep(1);
            }

            return;
        }

        throw new ContainerRuntimeException(ErrorKind.FailedPrecondition, "CgroupFreezerUnavailable",
            "cgroup: neither the v1 freezer controller nor cgroup v2's cgroup.freeze is available");
    }

    private static ContainerRuntimeException Timeout(string path, bool frozen) =>
        ContainerRuntimeException.Unavailable("CgroupFreezeTimeout",
            $"cgroup {path}: the processes did not {(frozen ? "freeze" : "thaw")} within {FreezeTimeout.TotalSeconds} s");
}
