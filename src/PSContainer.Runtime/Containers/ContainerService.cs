using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Logs;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Containers as users know them: create one from an image (spec + rootfs mounts + bundle on disk), start it
/// attached or detached through the shim, stop, restart, wait for, remove and rename it, read its log, find and
/// list them. Every change takes the container's locks (<see cref="ContainerLocks"/>), re-reads its state under
/// them and checks the move (<see cref="ContainerTransitions"/>): any number of pwsh processes may do this at once.
/// </summary>
public sealed partial class ContainerService
{
    private readonly ContainerStore _store;
    private readonly ImageService _images;
    private readonly ISnapshotter _snapshotter;
    private readonly Func<ContainerLauncher> _launcher;
    private readonly VolumeStore? _volumes;

    public ContainerService(ContainerStore store, ImageService images, ISnapshotter snapshotter, Func<ContainerLauncher> launcher, VolumeStore? volumes = null)
    {
        _volumes = volumes;
        _store = store;
        _images = images;
        _snapshotter = snapshotter;
        _launcher = launcher;
    }

    /// <summary>
    /// Creates a container from an image; its layers are unpacked first if they are not. <paramref name="imageName"/>
    /// is the image as the user named it, which is what the container shows (docker ps does the same). With a
    /// <paramref name="launch"/> from <see cref="PrepareRun"/>, the container gets the id that launch was made for.
    /// </summary>
    public async Task<Container> CreateAsync(ContainerImage image, string imageName, RunOptions options, CancellationToken cancellationToken,
        PreparedLaunch? launch = null)
    {
        if (options.Name is not null)
        {
            ContainerNames.ValidateName(options.Name);
        }
        await _images.EnsureUnpackedAsync(image, cancellationToken).ConfigureAwait(false);
        // A prepared launch (PrepareRun) has named the container's directory already.
        string id = launch is null ? ContainerNames.NewId() : Path.GetFileName(launch.BundleDirectory);
        var config = _images.Config(image);
        var top = _images.TopChainId(image);
        var mounts = SpecBuilder.UserMounts(options, _volumes, config.Config?.Volumes?.Keys);
        try
        {
            var spec = SpecBuilder.Build(id, config, options,
                new SpecContext { Files = RootfsFiles.ForImage(_snapshotter, top), Volumes = _volumes, Mounts = mounts });
            var record = new ContainerRecord
            {
                Id = id,
                Name = options.Name ?? "",
                Image = imageName,
                ImageId = image.Id,
                Command = spec.Process.Args,
                Created = DateTimeOffset.UtcNow,
                Labels = options.Labels,
                AutoRemove = options.AutoRemove,
                StopSignal = config.Config?.StopSignal,
                Mounts = mounts.Count > 0 ? mounts : null,
            };
            return await _store.CreateAsync(record, spec,
                directory =>
                {
                    NetworkFiles.Write(directory, spec);
                    return _snapshotter.PrepareRootfs(top, Path.Combine(directory, "upper"), Path.Combine(directory, "work"), ephemeral: options.AutoRemove);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch when (ContainerStore.AnonymousVolumes(mounts).ToList() is { Count: > 0 } made)
        {
            // The anonymous volumes made for a container that does not exist: nothing else can know their names.
            _store.TrashUnusedVolumes(made);
            await _store.EmptyVolumeTrashAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public Container? Find(string idOrName) => _store.Find(idOrName);

    public Container Get(string idOrName) => _store.Find(idOrName) ?? throw ContainerStore.NotFound(idOrName);

    /// <summary>The container as it is now; NotFound once it has been removed.</summary>
    public Container Refresh(Container container) => _store.Reload(container) ?? throw ContainerStore.NotFound(container.Name);

    /// <summary>Every container, newest first; first finishes what crashes left half-done (see <see cref="ContainerStore.CollectGarbage"/>).</summary>
    public IReadOnlyList<Container> List()
    {
        _store.CollectGarbage();
        return _store.List();
    }

    /// <summary>Every container, newest first, read only: for argument completion and name patterns.</summary>
    public IReadOnlyList<Container> ListWithoutCollecting() => _store.List();

    /// <summary>Renames a container (running or not); the new name must be valid and unused.</summary>
    public Task<Container> RenameAsync(Container container, string newName, CancellationToken cancellationToken) =>
        _store.RenameAsync(container, newName, cancellationToken);

    /// <summary>The container's log (stdout and stderr, every run), as <see cref="JsonLogReader"/> reads it; following ends when the container is not running.</summary>
    public IAsyncEnumerable<LogEntry> ReadLogAsync(Container container, LogReadOptions options, CancellationToken cancellationToken) =>
        JsonLogReader.ReadAsync(Path.Combine(container.Directory, Bundle.LogFile), options,
            () => _store.Reload(container)?.Status is ContainerStatus.Running or ContainerStatus.Paused, cancellationToken);

    private ContainerRuntimeException Gone(Container container) => ContainerStore.NotFound(container.Name);
}
