using System.Text.Json;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// A container's runtime state as the shim recorded it: <c>shim.json</c> once the container process runs,
/// <c>exit.json</c> when it has ended. "Running" is re-derived from /proc each time, so a shim that was
/// killed never leaves a container that looks alive forever.
/// </summary>
internal sealed record ShimState(ContainerStatus Status, int? Pid, int? ShimPid, int? ExitCode, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public static ShimState Read(string directory)
    {
        int? pid = null, shimPid = null, exitCode = null;
        string? error = null;
        DateTimeOffset? started = null, finished = null;
        if (TryRead(Path.Combine(directory, "shim.json")) is { } shim)
        {
            pid = Int(shim, "pid");
            shimPid = Int(shim, "shimPid");
            started = Time(shim, "startedAt");
        }
        if (TryRead(Path.Combine(directory, "exit.json")) is { } exit)
        {
            exitCode = Int(exit, "exitCode");
            error = exit.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            finished = Time(exit, "finishedAt");
            return new ShimState(ContainerStatus.Exited, pid, shimPid, exitCode, error, started, finished);
        }
        if (shimPid is not null && IsAlive(shimPid.Value))
        {
            return new ShimState(ContainerStatus.Running, pid, shimPid, null, null, started, null);
        }
        if (shimPid is not null)
        {
            // The shim died without recording an exit (kill -9): the container is gone with it.
            return new ShimState(ContainerStatus.Exited, pid, shimPid, 137, "the container's monitor was killed", started, null);
        }
        return new ShimState(ContainerStatus.Created, null, null, null, null, null, null);
    }

    private static JsonElement? TryRead(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : null;

    /// <summary>True when the process exists and is not a zombie.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z' && stat.Contains("psc-shim", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
