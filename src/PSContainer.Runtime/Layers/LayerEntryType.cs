namespace PSContainer.Runtime.Layers;

/// <summary>What a layer tar entry is; <see cref="Whiteout"/> covers both <c>.wh.name</c> and the opaque marker.</summary>
public enum LayerEntryType
{
    File,
    Directory,
    Symlink,
    Hardlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Whiteout,
}
