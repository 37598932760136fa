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

    /// <summary>Variables added to (or overriding) the image's Env.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? Hostname { get; init; }

    /// <summary>uid[:gid]; the image's User when null.</summary>
    public string? User { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>docker run --rm: the container is removed once it has exited.</summary>
    public bool AutoRemove { get; init; }
}
