namespace PSContainer.Runtime.Containers;

/// <summary>How to run a command in a running container (docker exec's options).</summary>
public sealed record ExecOptions
{
    /// <summary>The command and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Variables added to (or overriding) the container's environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The working directory; the container's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary><c>name|uid[:group|gid]</c>, resolved in the container's own /etc/passwd; the container's user when null.</summary>
    public string? User { get; init; }

    /// <summary>Every capability this process can hand on, instead of the container's set (docker exec --privileged).</summary>
    public bool Privileged { get; init; }

    /// <summary>docker exec -t: a pseudo-terminal from the container's devpts as the process's stdin, stdout and stderr.</summary>
    public bool Tty { get; init; }

    /// <summary>With <see cref="Tty"/>: the terminal's initial size (rows, columns).</summary>
    public (uint Rows, uint Columns)? TerminalSize { get; init; }
}
