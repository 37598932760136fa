using PSContainer.Runtime.State;
using System.Text.Json;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Containers on disk: one directory per container, <c>containers/&lt;id&gt;/</c>, which is also its OCI bundle:
/// <c>container.json</c> (what it was created from), <c>config.json</c> (runtime spec), <c>rootfs-mounts.json</c>,
/// <c>rootfs/</c>, <c>upper/</c> and <c>work/</c> (its own changes), and the shim's <c>shim.json</c> and
/// <c>exit.json</c>. <c>container.json</c> is written last, so a
/// crash never leaves half a container; names are kept unique under <c>containers.lock</c>.
/// </summary>
public sealed class ContainerStore
{
    private const string RecordFile = "container.json";
    private readonly string _root;

    public ContainerStore(string root)
    {
        _root = root;
        Directory.CreateDirectory(root);
    }

    public string DirectoryOf(string id) => Path.Combine(_root, id);

    /// <summary>Creates the container's directory and bundle; fails with AlreadyExists when the name is taken.</summary>
    public async Task<Container> CreateAsync(ContainerRecord record, RuntimeSpec spec, Func<string, IReadOnlyList<Mount>> rootfsMounts, CancellationToken cancellationToken)
    {
        using var storeLock = await FileLock.AcquireAsync(Path.Combine(_root, "containers.lock"), cancellationToken).ConfigureAwait(false);
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
        else if (existing.Any(r => r.Name == name))
        {
            throw new ContainerRuntimeException(ErrorKind.AlreadyExists, "ContainerNameInUse",
                $"container name \"{name}\" is already in use by container {existing.First(r => r.Name == name).Id[..12]}") { Target = name };
        }
        record = record with { Name = name };

        // container.json is written last: it is what makes the directory a container. A crash before it
        // leaves a directory that Records() ignores and the next removal pass deletes.
        string final = DirectoryOf(record.Id);
        try
        {
            Directory.CreateDirectory(final);
            var mounts = rootfsMounts(final);
            Bundle.Create(final, spec, mounts);
            AtomicFile.Write(Path.Combine(final, RecordFile), JsonSerializer.SerializeToUtf8Bytes(record, ContainerJsonContext.Default.ContainerRecord));
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

    public IReadOnlyList<Container> List() =>
        Records().Select(r => Load(DirectoryOf(r.Id))).OfType<Container>().OrderByDescending(c => c.Created).ToList();

    /// <summary>Removes a container's directory. The caller makes sure it is not running.</summary>
    public void Delete(string id)
    {
        if (!ContainerNames.IsId(id))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidContainerId", $"invalid container id \"{id}\"", id);
        }
        string directory = DirectoryOf(id);
        // Rename first so that a crash mid-delete leaves a `removing-*` directory, never a broken container.
        string doomed = Path.Combine(_root, "removing-" + id);
        if (Directory.Exists(directory))
        {
            Directory.Move(directory, doomed);
        }
        TryDelete(doomed);
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
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a container and derives its state from the shim's files and the live process (runc's way).</summary>
    private static Container? Load(string directory)
    {
        var record = ReadRecord(directory);
        if (record is null)
        {
            return null;
        }
        var state = ContainerState.Read(directory);
        return new Container
        {
            Id = record.Id,
            Name = record.Name,
            Image = record.Image,
            ImageId = record.ImageId,
            Command = record.Command,
            Created = record.Created,
            Status = state.Status,
            ExitCode = state.ExitCode,
            Error = state.Error,
            OOMKilled = state.OOMKilled,
            Pid = state.Status == ContainerStatus.Running ? state.Pid : null,
            StartedAt = state.StartedAt,
            FinishedAt = state.FinishedAt,
            Directory = directory,
        };
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
