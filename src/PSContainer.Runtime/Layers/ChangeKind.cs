namespace PSContainer.Runtime.Layers;

/// <summary>How a path differs: docker diff's A, C and D.</summary>
public enum ChangeKind
{
    /// <summary>A: present only on the new side.</summary>
    Added,

    /// <summary>C: present on both sides, with different content or attributes.</summary>
    Changed,

    /// <summary>D: present only on the old side.</summary>
    Deleted,
}
