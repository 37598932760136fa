using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Names → content: <c>images/images.json</c>, rewritten whole (temp file + rename) under <c>images/images.lock</c>,
/// so several processes can pull, tag and remove at once. Readers never lock: a rename is atomic, so they see the old
/// list or the new one. The parsed list is kept in the engine's <see cref="IMemoryCache"/> with a change token on the
/// file's identity (inode, size, modification time): another process's write replaces the file with a new inode,
/// which expires the entry, and the next read parses the new file.
/// </summary>
public sealed class ImageStore
{
    private const string FileName = "images.json";
    private readonly string _root;
    private readonly string _path;
    private readonly string _lockPath;
    private readonly IMemoryCache _cache;
    private readonly object _key;

    public ImageStore(string root, IMemoryCache? cache = null)
    {
        System.IO.Directory.CreateDirectory(root);
        _root = root;
        _path = Path.Combine(root, FileName);
        _lockPath = Path.Combine(root, "images.lock");
        _cache = cache ?? new MemoryCache(new MemoryCacheOptions());
        _key = (typeof(ImageStore), _path);
    }

    /// <summary>The directory of the store (<c>&lt;root&gt;/images</c>).</summary>
    public string Directory => _root;

    /// <summary>Every record, named and dangling.</summary>
    public IReadOnlyList<ImageRecord> List()
    {
        if (_cache.TryGetValue(_key, out IReadOnlyList<ImageRecord>? cached) && cached is not null)
        {
            return cached;
        }
        // Take the stamp before reading: a write racing with the read then changes the stamp, never the reverse.
        var token = FileStampChangeToken.For(_root, FileName);
        var records = Read();
        using (var entry = _cache.CreateEntry(_key))
        {
            entry.Value = records;
            entry.Size = 1;
            entry.AddExpirationToken(token);
        }
        return records;
    }

    public ImageRecord? Get(string name) => List().FirstOrDefault(r => !r.IsDangling && r.Name == name);

    /// <summary>Points a name at an image (<see cref="ImageNames.Put"/>).</summary>
    public Task PutAsync(ImageRecord record, CancellationToken cancellationToken) =>
        UpdateAsync(list =>
        {
            ImageNames.Put(list, record, DateTimeOffset.UtcNow);
            return (true, true);
        }, cancellationToken);

    /// <summary>Removes a name (<see cref="ImageNames.Untag"/>). Returns false when it was not there.</summary>
    public Task<bool> UntagAsync(string name, CancellationToken cancellationToken) =>
        UpdateAsync(list =>
        {
            bool removed = ImageNames.Untag(list, name, DateTimeOffset.UtcNow);
            return (removed, removed);
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="change"/> on the current list under the store's lock; when it reports a change, the list is
    /// written back (temp + fsync + rename) before the lock is released.
    /// </summary>
    public async Task<T> UpdateAsync<T>(Func<List<ImageRecord>, (bool Changed, T Result)> change, CancellationToken cancellationToken)
    {
        using var fileLock = await FileLock.AcquireAsync(_lockPath, cancellationToken).ConfigureAwait(false);
        return Update(change);
    }

    /// <summary>
    /// Like <see cref="UpdateAsync{T}"/> for a caller that already holds the lock (<see cref="LockAsync"/>).
    /// </summary>
    public T Update<T>(Func<List<ImageRecord>, (bool Changed, T Result)> change)
    {
        RemoveStaleTemporaries();
        var list = Read().ToList();
        var (changed, result) = change(list);
        if (changed)
        {
            var ordered = list.OrderBy(r => r.IsDangling).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Config.ToString(), StringComparer.Ordinal).ToList();
            AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(new ImageIndexFile { Images = ordered }, ImageJsonContext.Default.ImageIndexFile));
        }
        return result;
    }

    /// <summary>The store's lock, for operations that must keep the list still while they work (garbage collection).</summary>
    public Task<FileLock> LockAsync(CancellationToken cancellationToken) => FileLock.AcquireAsync(_lockPath, cancellationToken);

    /// <summary>Temp files of writers that died between writing and renaming (the caller holds the lock, so none is live).</summary>
    private void RemoveStaleTemporaries()
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(_root, "." + FileName + ".tmp-*"))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }
    }

    private IReadOnlyList<ImageRecord> Read()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(bytes, ImageJsonContext.Default.ImageIndexFile)?.Images ?? [];
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.DataLoss, "ImageStoreCorrupt", $"image store {_path}: {e.Message}", e) { Target = _path };
        }
    }
}
