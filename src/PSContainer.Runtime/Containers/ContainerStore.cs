using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Containers on disk: one directory per container, <c>containers/&lt;id&gt;/</c>, which is also its OCI bundle:
/// <c>container.json</c> (what it was created from), <c>config.json</c> (runtime spec), <c>rootfs-mounts.json</c>,
/// <c>rootfs/</c>, <c>upper/</c> and <c>work/</c> (its own changes), the shim's <c>shim.json</c>, <c>exit.json</c> and
/// <c>container.log</c>, and the lock files of <see cref="ContainerLocks"/>. <c>container.json</c> is written last, so
/// a crash never leaves half a container; names are kept unique under <c>containers.lock</c>. A directory being
/// deleted is called <c>removing-&lt;id&gt;</c> (see <see cref="ContainerDirectory"/>).
/// </summary>
public sealed partial class ContainerStore
{
    private const string RecordFile = "container.json";
    private const string StoreLockFile = "containers.lock";
    private readonly string _root;
    private readonly VolumeStore? _volumes;

    /// <param name="root">The <c>containers</c> directory.</param>
    /// <param name="volumes">The volumes the containers use; without it, no container may use a volume.</param>
    /// <summary>The name of the containers' directory in the engine's root.</summary>
    public const string DirectoryName = "containers";

    public ContainerStore(string root, VolumeStore? volumes = null)
    {
        _root = root;
        _volumes = volumes;
        Directory.CreateDirectory(root);
    }

    public string DirectoryOf(string id) => Path.Combine(_root, id);

    /// <summary>Creates the container's directory and bundle; fails with AlreadyExists when the name is taken.</summary>
    public async Task<Container> CreateAsync(ContainerRecord record, RuntimeSpec spec, Func<string, IReadOnlyList<Mount>> rootfsMounts, CancellationToken cancellationToken)
    {
        using var storeLock = await FileLock.AcquireAsync(Path.Combine(_root, StoreLockFile), cancellationToken).ConfigureAwait(false);
        var existing = Records().ToList();
        string name = record.Name;
        if (string.IsNullOrEmpty(name))
        {
            name = ContainerNames.NewName();
            for (int n = 2; existing.Any(r => r.Name == name); n++)
            {
                name = ContainerNames.NewName() + (n > 10 ? "_" + n : "");
            }
        }
        else
        {
            ThrowIfNameTaken(existing, name);
        }
        record = record with { Name = name };

        // container.json is written last: it is what makes the directory a container. A crash before it
        // leaves a directory that Records() ignores and the garbage collection deletes.
        string final = DirectoryOf(record.Id);
        try
        {
            Directory.CreateDirectory(final);
            var mounts = rootfsMounts(final);
            Bundle.Create(final, spec, mounts);
            WriteRecordWithVolumes(final, record);
        }
        catch
        {
            TryDelete(final);
            throw;
        }
        return Load(final)!;
    }

    /// <summary>Finds a container by full id, unique id prefix or name; null when there is none.</summary>
    public Container? Find(string idOrName)
    {
        if (ContainerNames.IsId(idOrName))
        {
            return Load(DirectoryOf(idOrName));
        }
        var records = Records().ToList();
        var byName = records.FirstOrDefault(r => r.Name == idOrName);
        if (byName is not null)
        {
            return Load(DirectoryOf(byName.Id));
        }
        if (idOrName.Length >= 3 && idOrName.All(char.IsAsciiHexDigitLower))
        {
            var byPrefix = records.Where(r => r.Id.StartsWith(idOrName, StringComparison.Ordinal)).ToList();
            if (byPrefix.Count > 1)
            {
                throw ContainerRuntimeException.InvalidArgument("ContainerIdAmbiguous", $"container id prefix {idOrName} matches {byPrefix.Count} containers", idOrName);
            }
            if (byPrefix.Count == 1)
            {
                return Load(DirectoryOf(byPrefix[0].Id));
            }
        }
        return null;
    }

    /// <summary>The container as it is now (state re-read); null once it has been removed.</summary>
    public Container? Reload(Container container) => Load(container.Directory);

    /// <summary>Every container, newest first, including those still being removed (status Removing).</summary>
    public IReadOnlyList<Container> List()
    {
        var containers = new List<Container>();
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            string name = Path.GetFileName(directory);
            bool removing = name.StartsWith(ContainerDirectory.RemovingPrefix, StringComparison.Ordinal);
            if (ContainerNames.IsId(removing ? name[ContainerDirectory.RemovingPrefix.Length..] : name) && Load(directory) is { } container)
            {
                containers.Add(container);
            }
        }
        return containers.OrderByDescending(c => c.Created).ToList();
    }

    /// <summary>Gives a container a new name, unique among all containers (under the store lock).</summary>
    public async Task<Container> RenameAsync(Container container, string newName, CancellationToken cancellationToken)
    {
        ContainerNames.ValidateName(newName);
        using var storeLock = await FileLock.AcquireAsync(Path.Combine(_root, StoreLockFile), cancellationToken).ConfigureAwait(false);
        using var change = await ContainerLocks.ChangeAsync(container, cancellationToken).ConfigureAwait(false);
        var current = Reload(container) ?? throw NotFound(container.Name);
        if (current.Status == ContainerStatus.Removing)
        {
            ContainerTransitions.Check(current, ContainerStatus.Removing);
        }
        if (current.Name == newName)
        {
            return current;
        }
        ThrowIfNameTaken(Records().ToList(), newName);
        var record = ReadRecord(current.Directory) ?? throw NotFound(container.Name);
        WriteRecord(current.Directory, record with { Name = newName });
        return Load(current.Directory)!;
    }

    internal static ContainerRuntimeException NotFound(string idOrName) =>
        ContainerRuntimeException.NotFound("ContainerNotFound", $"no such container: {idOrName}", idOrName);

    private static void ThrowIfNameTaken(List<ContainerRecord> records, string name)
    {
        var owner = records.FirstOrDefault(r => r.Name == name);
        if (owner is not null)
        {
            throw new ContainerRuntimeException(ErrorKind.AlreadyExists, "ContainerNameInUse",
                $"container name \"{name}\" is already in use by container {owner.Id[..12]}") { Target = name };
        }
    }

    private IEnumerable<ContainerRecord> Records()
    {
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            if (!ContainerNames.IsId(Path.GetFileName(directory)))
            {
                continue;
            }
            var record = ReadRecord(directory);
            if (record is not null)
            {
                yield return record;
            }
        }
    }

    private static ContainerRecord? ReadRecord(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, RecordFile)), ContainerJsonContext.Default.ContainerRecord);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the record of a new container. With volumes, under the volume lock and after making sure each still
    /// exists: a removal that found it unused before this container was visible may have renamed it away since, and
    /// then it is made again, empty, as it would be for a container created after the removal.
    /// </summary>
    private void WriteRecordWithVolumes(string directory, ContainerRecord record)
    {
        var volumes = record.Mounts?.Where(m => m.Type == ContainerMount.VolumeType && m.Name is not null).ToList() ?? [];
        if (volumes.Count == 0)
        {
            WriteRecord(directory, record);
            return;
        }

        var store = _volumes ?? throw ContainerRuntimeException.InvalidArgument("MountSpecificationInvalid", "volumes need the engine's volume store");
        using (store.Lock())
        {
            foreach (var volume in volumes)
            {
                store.Ensure(volume.Name!);
            }

            WriteRecord(directory, record);
        }
    }

    /// <summary>
    /// container.json, fsynced — except an AutoRemove container's (docker run --rm): it is deleted when it ends, and
    /// after a machine crash the garbage collection deletes it either way (a torn record counts as none), so its
    /// record need not wait for the disk, whose journal commits stall behind other writers' writeback.
    /// </summary>
    private static void WriteRecord(string directory, ContainerRecord record) =>
        AtomicFile.Write(Path.Combine(directory, RecordFile), JsonSerializer.SerializeToUtf8Bytes(record, ContainerJsonContext.Default.ContainerRecord),
            durable: !record.AutoRemove);

    /// <summary>Reads a container and derives its state from the shim's files and the live processes (runc's way).</summary>
    private static Container? Load(string directory)
    {
        var record = ReadRecord(directory);
        if (record is null)
        {
            return null;
        }
        bool removing = Path.GetFileName(directory).StartsWith(ContainerDirectory.RemovingPrefix, StringComparison.Ordinal);
        var state = ContainerState.Read(directory, removing);
        bool running = state.Status is ContainerStatus.Running or ContainerStatus.Paused;
        return new Container
        {
            Id = record.Id,
            Name = record.Name,
            Image = record.Image,
            ImageId = record.ImageId,
            Command = record.Command,
            Created = record.Created,
            Status = state.Status,
            ExitCode = state.Status == ContainerStatus.Exited ? state.ExitCode ?? 0 : 0,
            Error = state.Error,
            OOMKilled = state.OOMKilled,
            Pid = running ? state.Pid : null,
            MonitorPid = running ? state.Shim?.ShimPid : null,
            StartedAt = state.StartedAt,
            FinishedAt = state.FinishedAt,
            Directory = directory,
            Labels = record.Labels ?? new Dictionary<string, string>(),
            AutoRemove = record.AutoRemove,
            StopSignal = string.IsNullOrEmpty(record.StopSignal) ? "SIGTERM" : record.StopSignal,
            Mounts = record.Mounts ?? [],
        };
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                DirectoryTree.RemoveAll(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
