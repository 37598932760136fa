using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Builds a container's OCI runtime spec from its image's config and the run options, with docker's rules
/// for command, environment and defaults (moby's daemon/create and oci/defaults.go).
/// </summary>
public static class SpecBuilder
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Docker's default capability set.</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    public static RuntimeSpec Build(string containerId, ImageConfig image, RunOptions options)
    {
        var config = image.Config ?? new ContainerConfig();
        string hostname = options.Hostname ?? containerId[..12];
        var args = Arguments(config, options);
        var (uid, gid) = ParseUser(options.User ?? config.User);
        var caps = DefaultCapabilities;
        return new RuntimeSpec
        {
            Process = new ProcessSpec
            {
                Args = args,
                Env = Environment(config.Env, hostname, options.Environment),
                Cwd = string.IsNullOrEmpty(options.WorkingDirectory ?? config.WorkingDir) ? "/" : (options.WorkingDirectory ?? config.WorkingDir)!,
                User = new UserSpec { Uid = uid, Gid = gid },
                Capabilities = new CapabilitiesSpec { Bounding = caps, Effective = caps, Permitted = caps, Inheritable = [], Ambient = [] },
                NoNewPrivileges = true,
            },
            Root = new RootSpec { Path = "rootfs" },
            Hostname = hostname,
            Linux = new LinuxSpec
            {
                Namespaces = [new() { Type = "pid" }, new() { Type = "network" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }],
            },
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

    /// <summary>The image's Env, PATH if it has none, HOSTNAME, then the run's variables (which win).</summary>
    public static IReadOnlyList<string> Environment(IReadOnlyList<string>? imageEnv, string hostname, IReadOnlyDictionary<string, string>? overrides)
    {
        var env = new List<string>(imageEnv ?? []);
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, DefaultPath);
        }
        Set(env, "HOSTNAME", hostname);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrEmpty(key) || key.Contains('='))
            {
                throw ContainerRuntimeException.InvalidArgument("InvalidEnvironmentVariable", $"invalid environment variable name \"{key}\"", key);
            }
            Set(env, key, value);
        }
        return env;
    }

    private static void Set(List<string> env, string key, string value)
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

    /// <summary>Parses <c>uid[:gid]</c>. User and group names need the image's /etc/passwd and are not resolved yet.</summary>
    public static (uint Uid, uint Gid) ParseUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }
        string[] parts = user.Split(':', 2);
        if (!uint.TryParse(parts[0], out uint uid) || (parts.Length == 2 && !uint.TryParse(parts[1], out _)))
        {
            throw new ContainerRuntimeException(ErrorKind.NotImplemented, "ContainerUserNameUnsupported",
                $"user \"{user}\": only numeric uid[:gid] is supported so far") { Target = user };
        }
        uint gid = parts.Length == 2 ? uint.Parse(parts[1]) : 0;
        return (uid, gid);
    }
}
