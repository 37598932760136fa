namespace PSContainer.Runtime.Snapshots;

/// <summary>The snapshot drivers: overlayfs (the default) and full copies (where overlay cannot be used).</summary>
public enum SnapshotterKind
{
    Overlay,
    Copy,
}
