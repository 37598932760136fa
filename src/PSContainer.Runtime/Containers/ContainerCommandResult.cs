namespace PSContainer.Runtime.Containers;

/// <summary>How a command run in a container (docker exec) ended.</summary>
public sealed record ContainerCommandResult
{
    public required string ContainerId { get; init; }

    public required string ContainerName { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The command's exit code: its own, 128+n when killed by signal n, 125–127 when it could not be started.</summary>
    public required int ExitCode { get; init; }

    /// <summary>The signal that killed it, or null.</summary>
    public int? Signal { get; init; }

    /// <summary>Why it could not be started, when it could not.</summary>
    public string? Error { get; init; }

    public override string ToString() => ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
