namespace PSContainer.Runtime.Containers;

/// <summary>Deleting a container, and with docker rm -v its anonymous volumes.</summary>
public sealed partial class ContainerStore
{
    /// <summary>
    /// The file in a container's directory that says its removal includes its anonymous volumes (docker rm -v). It is
    /// written before the removal starts, so a removal cut short is finished by the garbage collection as it was asked.
    /// </summary>
    internal const string RemoveVolumesFile = "remove-volumes";

    /// <summary>
    /// Deletes the container in <paramref name="directory"/> (<see cref="ContainerDirectory.Remove"/>); with
    /// <paramref name="removeVolumes"/>, also renames away its anonymous volumes that no other container uses (see
    /// <see cref="TrashVolumesOf"/>), which the caller then deletes with <see cref="VolumeStore.EmptyTrashAsync"/>.
    /// The caller holds the container's locks and has checked the move.
    /// </summary>
    internal void Remove(string directory, bool removeVolumes)
    {
        string intent = Path.Combine(directory, RemoveVolumesFile);
        if (removeVolumes)
        {
            File.WriteAllBytes(intent, []);
        }
        else
        {
            File.Delete(intent); // left by an earlier removal with -Volumes that did not get as far as the rename
        }

        ContainerDirectory.Remove(directory, TrashVolumesOf);
    }

    /// <summary>
    /// docker run --rm: deletes an ended container together with its anonymous volumes that no other container uses
    /// (docker removes those with an auto-removed container, as with docker rm -v). Synchronous, for psc-shim's
    /// --remove (which can start no thread) as much as for the engine. The caller holds the container's locks.
    /// </summary>
    public void RemoveAutoRemoved(string directory)
    {
        Remove(directory, removeVolumes: true);
        _volumes?.EmptyTrash();
    }

    /// <summary>The store that holds the container directory <paramref name="directory"/> (the engine's layout: &lt;root&gt;/containers/&lt;id&gt;, &lt;root&gt;/volumes).</summary>
    public static ContainerStore Of(string directory)
    {
        string containers = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)))!;
        return new ContainerStore(containers, new VolumeStore(Path.Combine(Path.GetDirectoryName(containers)!, VolumeStore.DirectoryName)));
    }

    /// <summary>Deletes what <see cref="Remove"/> renamed away (and any other volume a removal left half-deleted).</summary>
    internal Task EmptyVolumeTrashAsync(CancellationToken cancellationToken) =>
        _volumes?.EmptyTrashAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Renames away the given volumes that no container uses, as docker does for the anonymous volumes of a container
    /// it removes or could not create: a volume another container mounts stays (moby ignores "volume in use" there).
    /// Uses are read from every container's record under the volume lock, which a new container holds until its record
    /// is written; a container being removed (<c>removing-&lt;id&gt;</c>) no longer counts.
    /// </summary>
    internal void TrashUnusedVolumes(IReadOnlyCollection<string> names)
    {
        if (_volumes is null || names.Count == 0)
        {
            return;
        }

        using (_volumes.Lock())
        {
            var used = Records().SelectMany(r => r.Mounts ?? []).ToList();
            foreach (string name in names)
            {
                string data = _volumes.DataPath(name);
                if (!used.Any(m => m.Name == name || m.Source == data))
                {
                    _volumes.MoveToTrash(name);
                }
            }
        }
    }

    /// <summary>
    /// Called by <see cref="ContainerDirectory.Remove"/> once the container's directory is <c>removing-&lt;id&gt;</c> and
    /// before it is deleted: if the removal includes the volumes, the anonymous ones go to the trash. A crash before
    /// this point leaves the directory and its intent file, and the garbage collection calls it again.
    /// </summary>
    private void TrashVolumesOf(string doomed)
    {
        if (!File.Exists(Path.Combine(doomed, RemoveVolumesFile)) || ReadRecord(doomed) is not { } record)
        {
            return;
        }

        TrashUnusedVolumes([.. AnonymousVolumes(record.Mounts)]);
    }

    internal static IEnumerable<string> AnonymousVolumes(IEnumerable<ContainerMount>? mounts) =>
        (mounts ?? []).Where(m => m is { Type: ContainerMount.VolumeType, Anonymous: true, Name: not null }).Select(m => m.Name!);
}
