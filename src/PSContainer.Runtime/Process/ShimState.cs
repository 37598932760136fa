using PSContainer.Runtime.State;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Process;

/// <summary>shim.json: who is running a container. Written by psc-shim stage 1 once stage 2 has started.</summary>
public sealed record ShimState
{
    /// <summary>The pid of psc-shim stage 1, the monitor.</summary>
    [JsonPropertyName("shimPid")]
    public int ShimPid { get; set; }

    /// <summary>The container's init process (stage 2, then the payload) in the host's PID namespace.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    [JsonPropertyName("startedAt")]
    public DateTimeOffset StartedAt { get; set; }

    public void WriteTo(string bundleDirectory) =>
        AtomicFile.Write(Path.Combine(bundleDirectory, Bundle.ShimStateFile),
            JsonSerializer.SerializeToUtf8Bytes(this, ProcessJsonContext.Default.ShimState), durable: false);

    /// <summary>Reads shim.json, or returns null if it has not been written (yet).</summary>
    public static ShimState? ReadFrom(string bundleDirectory)
    {
        string path = Path.Combine(bundleDirectory, Bundle.ShimStateFile);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ProcessJsonContext.Default.ShimState) : null;
    }
}
