namespace PSContainer.Runtime.Containers;

/// <summary>How to create and run a container, on top of what its image says (docker run's options).</summary>
public sealed record RunOptions
{
    /// <summary>A name for the container; a random one when null.</summary>
    public string? Name { get; init; }

    /// <summary>Replaces the image's Cmd (docker run IMAGE COMMAND…).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Replaces the image's Entrypoint (and drops its Cmd, as docker's --entrypoint does).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Variables added to (or overriding) the image's Env and <see cref="EnvFileVariables"/>.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// docker --env-file: the variables of the env files, in the order of the files and of their lines (as
    /// <see cref="EnvFile.Read"/> returns them). They override the image's Env, a later one an earlier one of the
    /// same name, and <see cref="Environment"/> overrides them.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>>? EnvFileVariables { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? Hostname { get; init; }

    /// <summary><c>name|uid[:group|gid]</c>, resolved in the image's /etc/passwd and /etc/group; the image's User when null.</summary>
    public string? User { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>docker run --rm: the container is removed once it has exited.</summary>
    public bool AutoRemove { get; init; }

    /// <summary>docker --network: <c>none</c> (the default: a network namespace with loopback only) or <c>host</c>.</summary>
    public string? Network { get; init; }

    /// <summary>docker --privileged: every capability, every host device, no seccomp filter, no masked paths, /sys writable.</summary>
    public bool Privileged { get; init; }

    /// <summary>docker --cap-add: capability names, with or without CAP_, or ALL.</summary>
    public IReadOnlyList<string>? AddCapabilities { get; init; }

    /// <summary>docker --cap-drop: capability names, with or without CAP_, or ALL.</summary>
    public IReadOnlyList<string>? DropCapabilities { get; init; }

    /// <summary>docker --read-only: the root filesystem is mounted read-only.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>docker --tmpfs: <c>/path[:options]</c>.</summary>
    public IReadOnlyList<string>? Tmpfs { get; init; }

    /// <summary>docker -v: <c>/host/path:/path[:options]</c>, <c>volume-name:/path[:options]</c> or <c>/path</c> (anonymous volume).</summary>
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>docker --memory, in bytes (see <see cref="ByteSize"/>).</summary>
    public long? Memory { get; init; }

    /// <summary>docker --cpus: how many CPUs' worth of time the container may use.</summary>
    public double? Processors { get; init; }

    /// <summary>docker --pids-limit: the most processes (and threads) the container may have; 0 or less is unlimited.</summary>
    public long? PidsLimit { get; init; }

    /// <summary>docker --init: a minimal init as PID 1 that reaps zombies and forwards signals to the command.</summary>
    public bool Init { get; init; }

    /// <summary>docker run -t: the command's stdin, stdout and stderr are a pseudo-terminal made in the container.</summary>
    public bool Tty { get; init; }

    /// <summary>With <see cref="Tty"/>: the terminal's initial size (rows, columns), as the caller's own terminal has it.</summary>
    public (uint Rows, uint Columns)? TerminalSize { get; init; }
}
