using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Builds a container's OCI runtime spec from its image's config and the run options, with docker's rules
/// for command, environment and defaults (moby's daemon/create, oci/defaults.go and daemon/oci_linux.go).
/// Everything psc-shim applies is in the spec's standard fields; the only PSContainer-specific entries are the
/// <see cref="InitAnnotation"/> annotation and the <c>copyup</c> mount option (see <see cref="MountsFor"/>).
/// </summary>
public static partial class SpecBuilder
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Annotation that makes psc-shim run its minimal init as PID 1 with the command as its child (docker --init).</summary>
    public const string InitAnnotation = "org.pscontainer.init";

    /// <summary>The relative cgroup path psc-shim nests under its caller's cgroup: one cgroup per container.</summary>
    public static string CgroupsPathFor(string containerId) => "psc-" + containerId;

    public static RuntimeSpec Build(string containerId, ImageConfig image, RunOptions options, SpecContext? context = null)
    {
        var config = image.Config ?? new ContainerConfig();
        bool hostNetwork = NetworkMode(options.Network);
        string hostname = options.Hostname ?? (hostNetwork ? System.Net.Dns.GetHostName() : containerId[..12]);
        var args = Arguments(config, options);
        var user = ContainerUser.Resolve(options.User ?? config.User, context?.Files ?? RootfsFiles.FromLayers([]));
        var env = Environment(config.Env, hostname, [.. options.EnvFileVariables ?? [], .. options.Environment ?? new Dictionary<string, string>()]).ToList();
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            env.Add("HOME=" + user.Home);
        }

        var caps = CapabilitySet(options);
        List<NamespaceSpec> namespaces = [new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }];
        if (!hostNetwork)
        {
            namespaces.Add(new() { Type = "network" });
        }

        namespaces.Add(new() { Type = "cgroup" });
        return new RuntimeSpec
        {
            Process = new ProcessSpec
            {
                Args = args,
                Env = env,
                Cwd = string.IsNullOrEmpty(options.WorkingDirectory ?? config.WorkingDir) ? "/" : (options.WorkingDirectory ?? config.WorkingDir)!,
                User = new UserSpec { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null },
                Capabilities = new CapabilitiesSpec { Bounding = caps, Effective = caps, Permitted = caps, Inheritable = [], Ambient = [] },
                NoNewPrivileges = false, // docker's default; --security-opt no-new-privileges is not offered (yet)
                Terminal = options.Tty,
                ConsoleSize = options.Tty && options.TerminalSize is { } size ? new ConsoleSizeSpec { Height = size.Rows, Width = size.Columns } : null,
            },
            Root = new RootSpec { Path = "rootfs", Readonly = options.ReadOnly },
            Hostname = hostname,
            Mounts = MountsFor(options, context?.Mounts ?? UserMounts(options, context?.Volumes)),
            Linux = new LinuxSpec
            {
                Namespaces = namespaces,
                MaskedPaths = options.Privileged ? null : MaskedPaths,
                ReadonlyPaths = options.Privileged ? null : ReadonlyPaths,
                Resources = Resources(options),
                CgroupsPath = CgroupsPathFor(containerId),
                Seccomp = options.Privileged ? null : SeccompProfile.ToSpec(SeccompProfile.LoadDefault(), caps),
                Devices = options.Privileged ? HostDevices() : null,
            },
            Annotations = options.Init ? new Dictionary<string, string> { [InitAnnotation] = "true" } : null,
        };
    }

    /// <summary>Entrypoint + Cmd, where a command given at run time replaces Cmd and a new entrypoint drops Cmd.</summary>
    public static IReadOnlyList<string> Arguments(ContainerConfig config, RunOptions options)
    {
        var entrypoint = options.Entrypoint ?? config.Entrypoint ?? [];
        var command = options.Command is { Count: > 0 } given ? given : options.Entrypoint is not null ? [] : config.Cmd ?? [];
        var args = entrypoint.Concat(command).ToList();
        if (args.Count == 0 || string.IsNullOrEmpty(args[0]))
        {
            throw ContainerRuntimeException.InvalidArgument("ContainerNoCommand", "no command specified: the image has no Entrypoint or Cmd and none was given");
        }
        return args;
    }

    /// <summary>
    /// The image's Env, PATH if it has none, HOSTNAME, then the run's variables in order, each replacing an earlier
    /// value of its name in place (docker's order: image, env files, -e).
    /// </summary>
    public static IReadOnlyList<string> Environment(IReadOnlyList<string>? imageEnv, string hostname, IEnumerable<KeyValuePair<string, string>>? overrides)
    {
        var env = new List<string>(imageEnv ?? []);
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, DefaultPath);
        }
        SetVariable(env, "HOSTNAME", hostname);
        foreach (var (key, value) in overrides ?? [])
        {
            if (string.IsNullOrEmpty(key) || key.Contains('='))
            {
                throw ContainerRuntimeException.InvalidArgument("InvalidEnvironmentVariable", $"invalid environment variable name \"{key}\"", key);
            }
            SetVariable(env, key, value);
        }
        return env;
    }

    /// <summary>Sets <paramref name="key"/> in a KEY=value list: replaces its entry where there is one, else appends it.</summary>
    internal static void SetVariable(List<string> env, string key, string value)
    {
        string prefix = key + "=";
        int index = env.FindIndex(e => e.StartsWith(prefix, StringComparison.Ordinal));
        if (index >= 0)
        {
            env[index] = prefix + value;
        }
        else
        {
            env.Add(prefix + value);
        }
    }

    /// <summary>True for the host's network, false for a private one; only docker's "none" and "host" exist here.</summary>
    private static bool NetworkMode(string? network) => network switch
    {
        null or "" or "none" => false,
        "host" => true,
        _ => throw new ContainerRuntimeException(ErrorKind.NotImplemented, "NetworkModeUnsupported",
            $"network \"{network}\": only \"none\" (loopback only, the default) and \"host\" are supported") { Target = network },
    };
}
