namespace PSContainer.Runtime.Layers;

/// <summary>How the unpacker treats OCI whiteouts (<c>.wh.name</c> and <c>.wh..wh..opq</c>), as umoci offers both.</summary>
public enum WhiteoutMode
{
    /// <summary>
    /// The target directory is an overlayfs lower layer holding only this layer: a whiteout becomes a 0/0 character
    /// device and an opaque marker becomes the <c>trusted.overlay.opaque=y</c> xattr on its directory.
    /// </summary>
    Overlay,

    /// <summary>
    /// The target directory already holds the parent layers (a full copy): a whiteout deletes the path and an opaque
    /// marker deletes the directory's lower content (what this layer itself created stays).
    /// </summary>
    Apply,
}
