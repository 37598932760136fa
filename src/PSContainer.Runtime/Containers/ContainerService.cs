using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Snapshots;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Containers as users know them: create one from an image (spec + rootfs mounts + bundle on disk),
/// start it through the shim, find and list them.
/// </summary>
public sealed class ContainerService
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
    /// is the image as the user named it, which is what the container shows (docker ps does the same).
    /// </summary>
    public async Task<Container> CreateAsync(ContainerImage image, string imageName, RunOptions options, CancellationToken cancellationToken)
    {
        if (options.Name is not null)
        {
            ContainerNames.ValidateName(options.Name);
        }
        await _images.EnsureUnpackedAsync(image, cancellationToken).ConfigureAwait(false);
        string id = ContainerNames.NewId();
        var top = _images.TopChainId(image);
        var spec = SpecBuilder.Build(id, _images.Config(image), options,
            new SpecContext { Files = RootfsFiles.ForImage(_snapshotter, top), Volumes = _volumes });
        var record = new ContainerRecord
        {
            Id = id,
            Name = options.Name ?? "",
            Image = imageName,
            ImageId = image.Id,
            Command = spec.Process.Args,
            Created = DateTimeOffset.UtcNow,
            Labels = options.Labels,
        };
        return await _store.CreateAsync(record, spec,
            directory =>
            {
                NetworkFiles.Write(directory, spec);
                SeccompProgramCache.WriteTo(directory, spec);
                return _snapshotter.PrepareRootfs(top, Path.Combine(directory, "upper"), Path.Combine(directory, "work"));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a created container attached: the caller reads its output and waits for its exit.</summary>
    public RunningContainer Start(Container container)
    {
        if (container.Status != ContainerStatus.Created)
        {
            throw ContainerRuntimeException.FailedPrecondition("ContainerNotCreated",
                $"container {container.Name}: cannot start a container that is {container.Status.ToString().ToLowerInvariant()}", container.Name);
        }
        return _launcher().Start(container.Directory);
    }

    public Container? Find(string idOrName) => _store.Find(idOrName);

    public Container Get(string idOrName) => _store.Find(idOrName)
        ?? throw ContainerRuntimeException.NotFound("ContainerNotFound", $"no such container: {idOrName}", idOrName);

    public IReadOnlyList<Container> List() => _store.List();
}
