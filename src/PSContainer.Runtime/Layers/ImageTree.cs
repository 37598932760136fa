namespace PSContainer.Runtime.Layers;

/// <summary>
/// The files of an image as its layers leave them, computed from the layers' entry lists alone (no unpacking):
/// path → the entry that last set it. Layers are applied with the rules of layer.md — whiteouts and opaque
/// markers first (they hide only lower layers), then the entries in archive order, a directory over a directory
/// merging and anything else replacing (a directory's descendants go with it). Hardlinks carry their target's size
/// and content digest, so a file compares equal whichever of its names the tar happened to store first.
/// </summary>
public sealed class ImageTree
{
    // Keys in ordinal order, so that the descendants of "/p" are exactly the keys in ["/p/", "/p0").
    private readonly SortedSet<string> _paths;
    private readonly Dictionary<string, LayerEntry> _entries;

    public ImageTree()
    {
        _paths = new SortedSet<string>(StringComparer.Ordinal);
        _entries = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
    }

    private ImageTree(ImageTree other)
    {
        _paths = new SortedSet<string>(other._paths, StringComparer.Ordinal);
        _entries = new Dictionary<string, LayerEntry>(other._entries, StringComparer.Ordinal);
    }

    /// <summary>Paths in ordinal order with the entry each one has now.</summary>
    public IEnumerable<KeyValuePair<string, LayerEntry>> Entries => _paths.Select(p => new KeyValuePair<string, LayerEntry>(p, _entries[p]));

    public int Count => _entries.Count;

    public LayerEntry? this[string path] => _entries.GetValueOrDefault(path);

    public ImageTree Clone() => new(this);

    /// <summary>Applies one layer's entries (all of them: whiteouts apply before the entries whatever the order).</summary>
    public void Apply(IEnumerable<LayerEntry> layer)
    {
        var entries = layer as IReadOnlyList<LayerEntry> ?? layer.ToList();
        foreach (var e in entries)
        {
            if (e.Opaque)
            {
                RemoveDescendants(e.Path);
            }
            else if (e.IsWhiteout)
            {
                Remove(e.Path);
                RemoveDescendants(e.Path);
            }
        }
        foreach (var e in entries)
        {
            if (e.IsWhiteout)
            {
                continue;
            }
            if (_entries.TryGetValue(e.Path, out var old) && old.Type == LayerEntryType.Directory && e.Type != LayerEntryType.Directory)
            {
                RemoveDescendants(e.Path);
            }
            var entry = e;
            if (e.Type == LayerEntryType.Hardlink && e.LinkTarget is { } target && _entries.TryGetValue(target, out var linked))
            {
                entry = e with { Size = linked.Size, ContentDigest = linked.ContentDigest };
            }
            _paths.Add(e.Path);
            _entries[e.Path] = entry;
        }
    }

    private void Remove(string path)
    {
        _paths.Remove(path);
        _entries.Remove(path);
    }

    private void RemoveDescendants(string directory)
    {
        string prefix = directory == "/" ? "/" : directory + "/";
        string end = prefix[..^1] + "0"; // '0' follows '/' in ordinal order
        foreach (string path in _paths.GetViewBetween(prefix, end).ToList())
        {
            if (path != directory)
            {
                Remove(path);
            }
        }
    }
}
