using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Images;

// Names and removal (docker tag, docker rmi) and garbage collection.
public sealed partial class ImageService
{
    /// <summary>
    /// Adds a name to an image (docker tag): <paramref name="name"/> is normalised like any reference (<c>app</c> is
    /// <c>docker.io/library/app:latest</c>). If the name pointed at another image, that image becomes dangling unless it
    /// has other names. A digest reference cannot be a tag.
    /// </summary>
    public async Task<ContainerImage> TagAsync(ContainerImage image, string name, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(name);
        if (reference.Digest is not null)
        {
            throw ContainerRuntimeException.InvalidArgument("ImageTagIsDigest", $"refusing to create a tag with a digest reference: {name}", name);
        }
        var now = DateTimeOffset.UtcNow;
        var record = image.Record with { Name = reference.ToString(), Created = now, Updated = now };
        await _store.PutAsync(record, cancellationToken).ConfigureAwait(false);
        return ToImage(_store.Get(record.Name) ?? record);
    }

    /// <summary>
    /// Removes an image the way docker rmi does. A name: if the image has other names, only that name goes (untag);
    /// otherwise the image is deleted. An id or digest: the image and all its names go, but an image named in several
    /// repositories needs <paramref name="force"/>. An image that containers were created from is refused unless
    /// <paramref name="force"/>; forced while one of them runs, the image loses its names but stays (dangling).
    /// The content is freed by <see cref="CollectGarbageAsync"/>, which the caller runs once after its removals.
    /// </summary>
    public Task<ImageRemoval> RemoveAsync(string nameOrId, bool force, CancellationToken cancellationToken)
    {
        var users = Users().ToList();
        return _store.UpdateAsync(list =>
        {
            var (record, byName) = Find(list, nameOrId);
            if (record is null)
            {
                throw ContainerRuntimeException.NotFound("ImageNotFound", $"No such image: {nameOrId}", nameOrId);
            }
            var id = record.Config;
            var names = ImageNames.NamesOf(list, id);
            var now = DateTimeOffset.UtcNow;
            if (byName && names.Count > 1)
            {
                ImageNames.Untag(list, record.Name, now);
                return (true, Removal(nameOrId, id, [record.Name], deleted: false));
            }
            if (!byName && !force && names.Select(n => ImageReference.Parse(n).Name).Distinct().Count() > 1)
            {
                throw ContainerRuntimeException.FailedPrecondition("ImageReferencedInMultipleRepositories",
                    $"conflict: unable to delete {id.Short} (must be forced) - image is referenced in multiple repositories", nameOrId);
            }
            var dependents = users.Where(u => u.ImageId == id.ToString()).ToList();
            if (dependents.Count > 0 && !force)
            {
                throw ContainerRuntimeException.FailedPrecondition("ImageInUse",
                    $"conflict: unable to remove {(byName ? "repository reference \"" + Familiar(record.Name) + "\"" : "image " + id.Short)} (must force) - " +
                    $"container {dependents[0].Container} is using its referenced image {id.Short}", nameOrId);
            }
            var untagged = byName ? [record.Name] : names;
            if (dependents.Any(u => u.Running))
            {
                // docker: an image a running container uses cannot be deleted, even forced; it loses its names only.
                foreach (string name in untagged)
                {
                    ImageNames.Untag(list, name, now);
                }
                return (untagged.Count > 0, Removal(nameOrId, id, untagged, deleted: false));
            }
            ImageNames.Delete(list, id);
            return (true, Removal(nameOrId, id, untagged, deleted: true));
        }, cancellationToken);
    }

    private static ImageRemoval Removal(string argument, Digest id, IReadOnlyList<string> untagged, bool deleted) => new()
    {
        Image = argument,
        Id = id.ToString(),
        Untagged = untagged.Select(Familiar).ToList(),
        Deleted = deleted,
    };

    private static string Familiar(string name) => ImageReference.Parse(name).ToFamiliarString();

    /// <summary>
    /// Deletes every blob, unpacked layer and abandoned download that no image and no container needs
    /// (<see cref="GarbageCollector"/>). Waits until no pull, import, export or push is running — they hold the GC lock
    /// shared — and holds the image store's lock throughout, so no name can appear for content being deleted.
    /// </summary>
    public async Task<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken)
    {
        using var gcLock = await FileLock.AcquireAsync(_gcLockPath, cancellationToken).ConfigureAwait(false);
        using var storeLock = await _store.LockAsync(cancellationToken).ConfigureAwait(false);
        var records = _store.Update(list => (false, list.ToList()));
        var containerImages = Users().Select(u => Digest.TryParse(u.ImageId, out var d) ? d : (Digest?)null).OfType<Digest>().ToList();
        var result = new GarbageCollector(_content, _documents, _snapshotter).Collect(records, containerImages);
        // Scratch files of imports and exports: none can be running now (they hold the GC lock shared).
        if (Directory.Exists(TemporaryDirectory))
        {
            try
            {
                Directory.Delete(TemporaryDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return result;
    }
}
