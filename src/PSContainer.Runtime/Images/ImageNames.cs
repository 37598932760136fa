using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Images;

/// <summary>
/// The naming rules of the image store, as pure operations on its list of records (docker's reference store):
/// an image is identified by its id (the config digest); names point at images; an image that loses its last name
/// to another image stays behind as a dangling record (no name) until it is removed.
/// </summary>
public static class ImageNames
{
    /// <summary>
    /// Points <paramref name="record"/>'s name at its image. The image that name pointed at before becomes dangling
    /// when nothing else names it; a dangling record of the new image is dropped (it has a name now).
    /// </summary>
    public static void Put(List<ImageRecord> records, ImageRecord record, DateTimeOffset now)
    {
        int index = records.FindIndex(r => !r.IsDangling && r.Name == record.Name);
        var previous = index >= 0 ? records[index] : null;
        var stored = record with { Created = previous?.Created ?? record.Created };
        if (index >= 0)
        {
            records[index] = stored;
        }
        else
        {
            records.Add(stored);
        }
        records.RemoveAll(r => r.IsDangling && r.Config == record.Config);
        if (previous is not null && previous.Config != record.Config)
        {
            KeepIfUnnamed(records, previous, now);
        }
    }

    /// <summary>Records an image with no name (an unnamed import), unless it is known already, named or not.</summary>
    public static void AddDangling(List<ImageRecord> records, ImageRecord record)
    {
        if (!records.Any(r => r.Config == record.Config))
        {
            records.Add(record with { Name = "" });
        }
    }

    /// <summary>Removes a name. Its image becomes dangling when nothing else names it. False when the name was not there.</summary>
    public static bool Untag(List<ImageRecord> records, string name, DateTimeOffset now)
    {
        int index = records.FindIndex(r => !r.IsDangling && r.Name == name);
        if (index < 0)
        {
            return false;
        }
        var removed = records[index];
        records.RemoveAt(index);
        KeepIfUnnamed(records, removed, now);
        return true;
    }

    /// <summary>Removes an image: every name of it and its dangling record. Returns the names removed.</summary>
    public static IReadOnlyList<string> Delete(List<ImageRecord> records, Digest id)
    {
        var names = records.Where(r => r.Config == id && !r.IsDangling).Select(r => r.Name).ToList();
        records.RemoveAll(r => r.Config == id);
        return names;
    }

    /// <summary>The names of an image (its id is the config digest), in order.</summary>
    public static IReadOnlyList<string> NamesOf(IEnumerable<ImageRecord> records, Digest id) =>
        records.Where(r => r.Config == id && !r.IsDangling).Select(r => r.Name).Order(StringComparer.Ordinal).ToList();

    private static void KeepIfUnnamed(List<ImageRecord> records, ImageRecord image, DateTimeOffset now)
    {
        if (!records.Any(r => r.Config == image.Config))
        {
            records.Add(image with { Name = "", Updated = now });
        }
    }
}
