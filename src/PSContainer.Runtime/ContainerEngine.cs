using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Content;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Registry.Auth;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime;

/// <summary>
/// The engine for one store root: images, containers and the stores beneath them. Daemonless — every
/// process that uses the same root sees the same state, and the stores guard themselves with file locks.
///
/// Layout of the root (default <c>/var/lib/pscontainer</c>, or <c>$PSCONTAINER_ROOT</c>):
/// <c>blobs/</c> and <c>ingest/</c> (content), <c>images/</c> (names), <c>snapshots/</c> (unpacked layers),
/// <c>containers/</c> (one bundle directory per container), <c>volumes/</c> (named and anonymous volumes).
/// </summary>
public sealed class ContainerEngine
{
    public const string DefaultRoot = "/var/lib/pscontainer";
    public const string RootVariable = "PSCONTAINER_ROOT";
    private static readonly ConcurrentDictionary<string, ContainerEngine> Engines = new();

    private ContainerEngine(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
        var content = new LocalContentStore(root);
        Content = content;
        var cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = 4096 });
        var documents = new ImageDocuments(content, cache);
        // Overlay unless $PSCONTAINER_SNAPSHOTTER says otherwise or the kernel cannot build one in this store.
        Snapshotter = SnapshotterSelector.ForDirectory(Path.Combine(root, "snapshots"));
        Images = new ImageService(new ImageStore(Path.Combine(root, "images"), cache), content, documents, Snapshotter,
            () => new RegistryClient(RegistryConfig.Load(), credentials: CredentialStore.FromEnvironment()))
        {
            // Containers pin the images they were created from (removal refuses, garbage collection keeps their layers).
            Users = () => (Containers?.List() ?? []).Select(c => new ImageUser(c.ImageId, c.Name, c.Status is ContainerStatus.Running or ContainerStatus.Paused)),
        };
        Rootfs = new RootfsInspector(content, Images, Path.Combine(root, "snapshots"));
        var volumes = new VolumeStore(Path.Combine(root, VolumeStore.DirectoryName));
        Containers = new ContainerService(new ContainerStore(Path.Combine(root, ContainerStore.DirectoryName), volumes), Images, Snapshotter,
            () => new ContainerLauncher(ContainerLauncher.DefaultShimPath), volumes);
    }

    public string Root { get; }

    public IContentStore Content { get; }

    public ISnapshotter Snapshotter { get; }

    public ImageService Images { get; }

    public ContainerService Containers { get; }

    /// <summary>Commands run in running containers (docker exec).</summary>
    public ContainerExec Exec { get; } = new(() => new ExecLauncher(ContainerLauncher.DefaultShimPath));

    /// <summary>Containers' cgroups: pause, resume, processes (docker pause, unpause, top).</summary>
    public ContainerCgroups Cgroups { get; } = new();

    /// <summary>Layer contents, container changes and image comparisons (read-only).</summary>
    public RootfsInspector Rootfs { get; }

    /// <summary>The root in effect: <c>$PSCONTAINER_ROOT</c> if set, else the default.</summary>
    public static string CurrentRoot
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable(RootVariable);
            return Path.GetFullPath(string.IsNullOrEmpty(root) ? DefaultRoot : root);
        }
    }

    /// <summary>The engine for a root, shared by every caller in this process.</summary>
    public static ContainerEngine ForRoot(string? root = null) =>
        Engines.GetOrAdd(Path.GetFullPath(root ?? CurrentRoot), r => new ContainerEngine(r));
}
