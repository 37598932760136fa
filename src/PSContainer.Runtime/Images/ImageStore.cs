using PSContainer.Runtime.State;
using System.Text.Json;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;

namespace PSContainer.Runtime.Images;

/// <summary>
/// Names → content: <c>images/images.json</c>, rewritten whole (temp file + rename) under
/// <c>images/images.lock</c> so several processes can pull at once. Readers never lock: a rename is atomic.
/// The parsed file is kept in memory and re-read when its size or modification time changes, which is how a
/// change made by another process is noticed.
/// </summary>
public sealed class ImageStore
{
    private readonly string _path;
    private readonly string _lockPath;
    private readonly object _gate = new();
    private (DateTime Modified, long Length, IReadOnlyList<ImageRecord> Records)? _cached;

    public ImageStore(string root)
    {
        Directory.CreateDirectory(root);
        _path = Path.Combine(root, "images.json");
        _lockPath = Path.Combine(root, "images.lock");
    }

    public IReadOnlyList<ImageRecord> List()
    {
        var file = new FileInfo(_path);
        if (!file.Exists)
        {
            return [];
        }
        lock (_gate)
        {
            if (_cached is { } c && c.Modified == file.LastWriteTimeUtc && c.Length == file.Length)
            {
                return c.Records;
            }
            var records = Read();
            _cached = (file.LastWriteTimeUtc, file.Length, records);
            return records;
        }
    }

    public ImageRecord? Get(string name) => List().FirstOrDefault(r => r.Name == name);

    /// <summary>Adds or replaces the record with the same name.</summary>
    public Task PutAsync(ImageRecord record, CancellationToken cancellationToken) =>
        UpdateAsync(list =>
        {
            int index = list.FindIndex(r => r.Name == record.Name);
            var created = index >= 0 ? list[index].Created : record.Created;
            var updated = record with { Created = created };
            if (index >= 0)
            {
                list[index] = updated;
            }
            else
            {
                list.Add(updated);
            }
            return true;
        }, cancellationToken);

    /// <summary>Removes a name. Returns false when it was not there.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        bool removed = false;
        await UpdateAsync(list => removed = list.RemoveAll(r => r.Name == name) > 0, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    private async Task UpdateAsync(Func<List<ImageRecord>, bool> change, CancellationToken cancellationToken)
    {
        using var fileLock = await FileLock.AcquireAsync(_lockPath, cancellationToken).ConfigureAwait(false);
        var list = Read().ToList();
        if (change(list))
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(new ImageIndexFile { Images = list.OrderBy(r => r.Name, StringComparer.Ordinal).ToList() }, ImageJsonContext.Default.ImageIndexFile);
            AtomicFile.Write(_path, bytes);
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
