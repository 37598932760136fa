using System.Text.RegularExpressions;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Volumes, docker's local driver layout: <c>&lt;store&gt;/volumes/&lt;name&gt;/_data</c> is what containers mount.
/// A volume is created on first use; the directory appears whole (built as <c>.new-*</c>, then renamed), so two
/// processes creating the same volume at once end up sharing one and a kill -9 never leaves half a volume (what it
/// leaves of a <c>.new-*</c> the garbage collection deletes once it is old enough not to be in use).
/// A volume is deleted the same way round: renamed to <c>.removing-*</c> (gone at once, the name free), then deleted
/// by <see cref="EmptyTrashAsync"/> or by the next garbage collection (<see cref="EmptyTrash"/>) if that was cut short.
/// The names of those files start with a dot, which no volume name can.
/// </summary>
/// <remarks>
/// Which container uses which volume is in the containers' records; <see cref="ContainerStore"/> keeps the two
/// consistent under <see cref="Lock"/>: a container becomes visible, and a volume is found unused and renamed away,
/// only while it is held.
/// </remarks>
public sealed partial class VolumeStore
{
    /// <summary>The prefix a volume's directory is renamed to while it is deleted.</summary>
    public const string RemovingPrefix = ".removing-";

    /// <summary>The prefix of a volume being created (a dot: no volume name can take it).</summary>
    private const string NewPrefix = ".new-";

    /// <summary>How old a <c>.new-*</c> directory must be before the garbage collection takes it for a crash's leftover.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    private const string LockFile = ".lock";
    private const string TrashLockFile = ".removing.lock";

    /// <summary>The name of the volumes' directory in the engine's root, beside <see cref="ContainerStore.DirectoryName"/>.</summary>
    public const string DirectoryName = "volumes";

    public VolumeStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>The directory holding the volumes (the engine passes <c>&lt;store&gt;/volumes</c>).</summary>
    public string Root { get; }

    /// <summary>docker's rule for volume names: <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>The <c>_data</c> directory of volume <paramref name="name"/>, created if it does not exist yet.</summary>
    public string Ensure(string name)
    {
        if (!IsValidName(name))
        {
            throw ContainerRuntimeException.InvalidArgument("VolumeNameInvalid",
                $"volume name \"{name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters", name);
        }

        string volume = Path.Combine(Root, name);
        string data = Path.Combine(volume, "_data");
        if (Directory.Exists(data))
        {
            return data;
        }

        Directory.CreateDirectory(Root);
        string staging = Path.Combine(Root, NewPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(staging, "_data"));
        try
        {
            Directory.Move(staging, volume);
        }
        catch (IOException) when (Directory.Exists(data))
        {
            // Another process created it first: use theirs.
            Directory.Delete(staging, recursive: true);
        }

        return data;
    }

    /// <summary>The <c>_data</c> directory of volume <paramref name="name"/> (which may not exist).</summary>
    public string DataPath(string name) => Path.Combine(Root, name, "_data");

    /// <summary>
    /// The lock that ties volumes to containers (exclusive): held while a container that uses volumes is made visible,
    /// and while a removal checks that no container uses a volume and renames it away. Nothing else is ever waited
    /// for while it is held, so it may be taken under any other lock.
    /// </summary>
    public FileLock Lock()
    {
        Directory.CreateDirectory(Root);
        return FileLock.Acquire(Path.Combine(Root, LockFile));
    }

    /// <summary>As <see cref="Lock"/>, waiting without blocking a thread.</summary>
    public async Task<FileLock> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        return await FileLock.AcquireAsync(Path.Combine(Root, LockFile), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Renames volume <paramref name="name"/> to <c>.removing-*</c>: from now on it does not exist, and the name can be
    /// used again. The caller holds <see cref="Lock"/> and has made sure no container uses it. False when there is no
    /// such volume.
    /// </summary>
    public bool MoveToTrash(string name)
    {
        if (!IsValidName(name))
        {
            return false; // never a path of ours: "..", "/x", ".removing-*"
        }

        string volume = Path.Combine(Root, name);
        if (!Directory.Exists(volume))
        {
            return false;
        }

        Directory.Move(volume, Path.Combine(Root, RemovingPrefix + Guid.NewGuid().ToString("N")));
        return true;
    }

    /// <summary>Deletes every renamed-away volume, waiting for whoever is deleting them now.</summary>
    public async Task EmptyTrashAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        using var trash = await FileLock.AcquireAsync(Path.Combine(Root, TrashLockFile), cancellationToken).ConfigureAwait(false);
        DeleteTrash();
    }

    /// <summary>The garbage collection: deletes every renamed-away volume, unless someone is at it already.</summary>
    public void EmptyTrash()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        using var trash = FileLock.TryAcquire(Path.Combine(Root, TrashLockFile));
        if (trash is not null)
        {
            DeleteTrash();
        }
    }

    /// <summary>
    /// Deletes the <c>.removing-*</c> directories and abandoned <c>.new-*</c> ones, under the trash lock, through descriptors: a volume is the
    /// containers' to fill, with links to anywhere, and none is followed. Nothing mounted beneath one is walked into.
    /// </summary>
    private void DeleteTrash()
    {
        DateTime abandoned = DateTime.UtcNow - AbandonedAfter;
        IEnumerable<string> leftovers = Directory.EnumerateDirectories(Root, NewPrefix + "*")
            .Where(d => Directory.GetLastWriteTimeUtc(d) < abandoned);
        foreach (string doomed in Directory.EnumerateDirectories(Root, RemovingPrefix + "*").Concat(leftovers).ToList())
        {
            if (ContainerDirectory.MountsBeneath(doomed).Count > 0)
            {
                throw new IOException($"{doomed}: has mounts beneath it; not deleting through them");
            }

            DirectoryTree.RemoveAll(doomed);
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();
}
