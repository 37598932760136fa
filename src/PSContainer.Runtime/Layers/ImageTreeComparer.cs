namespace PSContainer.Runtime.Layers;

/// <summary>Compares two <see cref="ImageTree"/>s path by path.</summary>
public static class ImageTreeComparer
{
    /// <summary>Every attribute that can be compared, in the order differences are reported.</summary>
    public static readonly IReadOnlyList<string> AllProperties = ["Type", "Content", "Size", "Mode", "Owner", "LinkTarget", "Device", "Xattrs", "Modified"];

    /// <summary>
    /// The differences, ordered by path. <paramref name="properties"/> limits what counts as a change (all of
    /// <see cref="AllProperties"/> by default); a path whose only differences are outside it is not reported.
    /// </summary>
    public static IEnumerable<ImageFileDifference> Compare(ImageTree reference, ImageTree difference, IReadOnlyCollection<string>? properties = null)
    {
        var wanted = new HashSet<string>(properties ?? AllProperties, StringComparer.OrdinalIgnoreCase);
        using var left = reference.Entries.GetEnumerator();
        using var right = difference.Entries.GetEnumerator();
        bool hasLeft = left.MoveNext(), hasRight = right.MoveNext();
        while (hasLeft || hasRight)
        {
            int order = !hasLeft ? 1 : !hasRight ? -1 : string.CompareOrdinal(left.Current.Key, right.Current.Key);
            if (order < 0)
            {
                yield return Difference(left.Current.Key, ChangeKind.Deleted, [], left.Current.Value, null);
                hasLeft = left.MoveNext();
            }
            else if (order > 0)
            {
                yield return Difference(right.Current.Key, ChangeKind.Added, [], null, right.Current.Value);
                hasRight = right.MoveNext();
            }
            else
            {
                var changed = Changed(left.Current.Value, right.Current.Value).Where(wanted.Contains).ToList();
                if (changed.Count > 0)
                {
                    yield return Difference(left.Current.Key, ChangeKind.Changed, changed, left.Current.Value, right.Current.Value);
                }
                hasLeft = left.MoveNext();
                hasRight = right.MoveNext();
            }
        }
    }

    /// <summary>The attributes in which two entries for the same path differ.</summary>
    public static IEnumerable<string> Changed(LayerEntry a, LayerEntry b)
    {
        if (Kind(a) != Kind(b))
        {
            yield return "Type";
        }
        if (a.ContentDigest != b.ContentDigest)
        {
            yield return "Content";
        }
        if (a.Size != b.Size)
        {
            yield return "Size";
        }
        if (a.Mode != b.Mode)
        {
            yield return "Mode";
        }
        if (a.Uid != b.Uid || a.Gid != b.Gid)
        {
            yield return "Owner";
        }
        if (a.Type == LayerEntryType.Symlink && b.Type == LayerEntryType.Symlink && a.LinkTarget != b.LinkTarget)
        {
            yield return "LinkTarget";
        }
        if (a.DeviceMajor != b.DeviceMajor || a.DeviceMinor != b.DeviceMinor)
        {
            yield return "Device";
        }
        if (!SameXattrs(a.Xattrs, b.Xattrs))
        {
            yield return "Xattrs";
        }
        if (a.Modified != b.Modified)
        {
            yield return "Modified";
        }
    }

    // A hardlink is one more name of a regular file: which name the tar stored first says nothing about the file.
    private static LayerEntryType Kind(LayerEntry e) => e.Type == LayerEntryType.Hardlink ? LayerEntryType.File : e.Type;

    private static bool SameXattrs(IReadOnlyDictionary<string, byte[]> a, IReadOnlyDictionary<string, byte[]> b) =>
        a.Count == b.Count && a.All(x => b.TryGetValue(x.Key, out var v) && v.AsSpan().SequenceEqual(x.Value));

    private static ImageFileDifference Difference(string path, ChangeKind change, IReadOnlyList<string> properties, LayerEntry? reference, LayerEntry? difference) => new()
    {
        Path = path,
        Change = change,
        Properties = properties,
        ReferenceLayer = reference?.LayerIndex,
        DifferenceLayer = difference?.LayerIndex,
        Reference = reference,
        Difference = difference,
    };
}
