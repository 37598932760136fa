using PSContainer.Runtime.State;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Process;

/// <summary>
/// exit.json: how a container ended. <see cref="ExitCode"/> follows docker: the payload's exit code, 128 + n
/// when signal n killed it, 125 when the runtime failed, 126 when the command could not be executed, 127 when
/// it was not found (see <see cref="ShimExitCodes"/>).
/// </summary>
public sealed record ExitStatus
{
    [JsonPropertyName("exitCode")]
    public int ExitCode { get; set; }

    /// <summary>The signal that killed the container's init, or null if it exited.</summary>
    [JsonPropertyName("signal")]
    public int? Signal { get; set; }

    /// <summary>Why the container could not be started (codes 125–127), or null.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; set; }

    /// <summary>True when the kernel's OOM killer killed a process of the container (its memory limit was hit).</summary>
    [JsonPropertyName("oomKilled")]
    public bool OOMKilled { get; set; }

    [JsonPropertyName("finishedAt")]
    public DateTimeOffset FinishedAt { get; set; }

    public void WriteTo(string bundleDirectory) =>
        AtomicFile.Write(Path.Combine(bundleDirectory, Bundle.ExitStatusFile), ToJson(), durable: false);

    /// <summary>The record as the source-generated context writes it, without the serializer (see <see cref="JsonRecord"/>).</summary>
    internal byte[] ToJson() => JsonRecord.Write(w =>
    {
        w.WriteNumber("exitCode", ExitCode);
        w.WriteNumberOrNull("signal", Signal);
        w.WriteString("error", Error);
        w.WriteBoolean("oomKilled", OOMKilled);
        w.WriteString("finishedAt", FinishedAt);
    });

    /// <summary>Reads exit.json, or returns null if it has not been written.</summary>
    public static ExitStatus? ReadFrom(string bundleDirectory)
    {
        string path = Path.Combine(bundleDirectory, Bundle.ExitStatusFile);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ProcessJsonContext.Default.ExitStatus) : null;
    }
}
