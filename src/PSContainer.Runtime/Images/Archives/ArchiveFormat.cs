namespace PSContainer.Runtime.Images.Archives;

/// <summary>The on-disk forms an image can be exported to and imported from.</summary>
public enum ArchiveFormat
{
    /// <summary>
    /// A tar of an OCI image layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>): skopeo's and podman's
    /// <c>oci-archive</c>. Blobs are stored as they are, so digests are kept.
    /// </summary>
    OciArchive,

    /// <summary>
    /// docker save's classic format: <c>manifest.json</c> (Config, RepoTags, Layers), the config as
    /// <c>&lt;id&gt;.json</c> and each layer as an uncompressed <c>&lt;diffid&gt;.tar</c>; podman's <c>docker-archive</c>.
    /// </summary>
    DockerArchive,

    /// <summary>An OCI image layout as a directory (skopeo's and podman's <c>oci</c> / <c>oci-dir</c>).</summary>
    OciDirectory,
}
