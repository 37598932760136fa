using PSContainer.Runtime.State;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Runtime.Process;

/// <summary>
/// A bundle: the directory that the engine prepares for one run of psc-shim, and that psc-shim reads and
/// reports into. It is an OCI runtime bundle plus three PSContainer files:
/// <code>
/// &lt;bundle&gt;/config.json          OCI runtime-spec config (RuntimeSpec): process, root, hostname, mounts, linux.namespaces.
///                              written by the engine, read by shim stage 1 (which hands it on to stage 2).
/// &lt;bundle&gt;/rootfs-mounts.json   JSON array of Snapshots.Mount records, mounted in order by stage 2 onto
///                              &lt;bundle&gt;/&lt;root.path&gt; (a record's "target", if set, is a path inside the rootfs).
///                              Typically one overlay: {"type":"overlay","source":"overlay","options":
///                              ["lowerdir+=/abs/top","lowerdir+=/abs/bottom","upperdir=/abs/upper","workdir=/abs/work"]}.
///                              Missing or [] means root.path is a plain directory, used as it is.
/// &lt;bundle&gt;/&lt;root.path&gt;          the (empty) mount point of the root filesystem, usually "rootfs".
/// &lt;bundle&gt;/shim.json            {"shimPid":…,"pid":…,"startedAt":…} (ShimState) written by stage 1 once stage 2
///                              runs; pid is stage 2's (later the payload's) pid in the host's PID namespace.
/// &lt;bundle&gt;/exit.json            {"exitCode":n,"signal":s|null,"error":"…"|null,"finishedAt":…} (ExitStatus)
///                              written by stage 1 when the container has ended and its output is all logged.
/// &lt;bundle&gt;/container.log        the container's stdout and stderr, one JSON object per line (Logs.JsonLogWriter),
///                              appended to by stage 1 on every run.
/// &lt;bundle&gt;/lock, waiters.lock   flock files (Containers.ContainerLocks): changes to the container take "lock";
///                              whoever will read exit.json holds "waiters.lock" shared, and whoever deletes the
///                              container (psc-shim run --remove included) takes it exclusively first.
/// </code>
/// The engine writes the first two before starting the shim; the shim writes shim.json and exit.json, each to a
/// temp name and renamed into place, so a reader never sees half a file.
/// </summary>
public sealed class Bundle
{
    public const string ConfigFile = "config.json";
    public const string RootfsMountsFile = "rootfs-mounts.json";
    public const string ShimStateFile = "shim.json";
    public const string ExitStatusFile = "exit.json";
    public const string LogFile = "container.log";
    public const string LockFile = "lock";
    public const string WaitersLockFile = "waiters.lock";

    public Bundle(string directory, RuntimeSpec spec, IReadOnlyList<Mount> rootfsMounts)
    {
        Directory = directory;
        Spec = spec;
        RootfsMounts = rootfsMounts;
    }

    /// <summary>The bundle directory (absolute).</summary>
    public string Directory { get; }

    public RuntimeSpec Spec { get; }

    public IReadOnlyList<Mount> RootfsMounts { get; }

    /// <summary>&lt;bundle&gt;/&lt;root.path&gt;, or root.path itself when that is absolute.</summary>
    public string RootfsPath => Path.Combine(Directory, Spec.Root.Path);

    /// <summary>Reads config.json and rootfs-mounts.json (which may be absent).</summary>
    public static Bundle Load(string directory) => Load(directory, null);

    /// <summary>Reads the bundle with <paramref name="config"/> as the content of config.json (read from disk when null).</summary>
    internal static Bundle Load(string directory, byte[]? config)
    {
        directory = Path.GetFullPath(directory);
        string configPath = Path.Combine(directory, ConfigFile);
        RuntimeSpec? parsed;
        if (config is null)
        {
            parsed = ReadJson(configPath, static s => JsonSerializer.Deserialize(s, SpecJsonContext.Default.RuntimeSpec));
        }
        else
        {
            try
            {
                parsed = JsonSerializer.Deserialize(config, SpecJsonContext.Default.RuntimeSpec);
            }
            catch (JsonException e)
            {
                throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "BundleFileInvalid", $"bundle {configPath}: {e.Message}", e) { Target = configPath };
            }
        }

        RuntimeSpec spec = parsed
            ?? throw ContainerRuntimeException.InvalidArgument("BundleConfigInvalid", $"bundle {configPath}: config is null", configPath);

        spec = WithDefaults(spec);
        string mountsPath = Path.Combine(directory, RootfsMountsFile);
        List<Mount> mounts = File.Exists(mountsPath)
            ? ReadJson(mountsPath, static s => JsonSerializer.Deserialize(s, SpecJsonContext.Default.ListMount)) ?? []
            : [];
        return new Bundle(directory, spec, mounts);
    }

    /// <summary>
    /// Reads only linux.namespaces from config.json, with a forward-only reader. psc-shim's stage 1 needs
    /// nothing else, and this skips the ~4 ms that building the source-generated metadata for the whole
    /// RuntimeSpec graph costs a fresh NativeAOT process (stage 2 pays that once, for everything).
    /// </summary>
    public static IReadOnlyList<NamespaceSpec> ReadNamespaces(string directory)
    {
        string configPath = Path.Combine(Path.GetFullPath(directory), ConfigFile);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(configPath);
        }
        catch (FileNotFoundException e)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "BundleFileNotFound", $"bundle {configPath}: not found", e) { Target = configPath };
        }

        try
        {
            return NamespaceScanner.Scan(json);
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "BundleFileInvalid", $"bundle {configPath}: {e.Message}", e) { Target = configPath };
        }
    }

    /// <summary>
    /// Creates a bundle: the directory, config.json, rootfs-mounts.json and the empty rootfs mount point.
    /// </summary>
    public static Bundle Create(string directory, RuntimeSpec spec, IReadOnlyList<Mount> rootfsMounts)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        // Written in place and not fsynced: on the start path of every container, and nothing runs a bundle before it is
        // complete (the engine's container directory counts only once its container.json is written, after this).
        byte[] config = JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec);
        byte[] mounts = JsonSerializer.SerializeToUtf8Bytes(rootfsMounts.ToList(), SpecJsonContext.Default.ListMount);
        AtomicFile.WriteUnpublished(Path.Combine(directory, ConfigFile), config);
        AtomicFile.WriteUnpublished(Path.Combine(directory, RootfsMountsFile), mounts);
        Bundle bundle = new(directory, spec, rootfsMounts);
        PreparedBundle.Write(bundle, config, mounts);
        System.IO.Directory.CreateDirectory(bundle.RootfsPath);
        return bundle;
    }

    /// <summary>
    /// The source-generated deserializer assigns every init-only property, so a member missing from the JSON
    /// arrives as null despite the record's default: put the defaults back for what the shim walks.
    /// </summary>
    private static RuntimeSpec WithDefaults(RuntimeSpec spec)
    {
        ProcessSpec process = spec.Process ?? new ProcessSpec();
        process = process with
        {
            Args = process.Args ?? [],
            Env = process.Env ?? [],
            Cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd,
            User = process.User ?? new UserSpec(),
        };
        LinuxSpec linux = spec.Linux ?? new LinuxSpec();
        return spec with
        {
            Process = process,
            Root = spec.Root ?? new RootSpec(),
            Mounts = spec.Mounts ?? [],
            Linux = linux with { Namespaces = linux.Namespaces ?? [] },
        };
    }

    private static T? ReadJson<T>(string path, Func<Stream, T?> deserialize)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return deserialize(stream);
        }
        catch (FileNotFoundException e)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "BundleFileNotFound", $"bundle {path}: not found", e) { Target = path };
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "BundleFileInvalid", $"bundle {path}: {e.Message}", e) { Target = path };
        }
    }
}
