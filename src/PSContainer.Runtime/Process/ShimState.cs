using PSContainer.Runtime.Linux;
using PSContainer.Runtime.State;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Process;

/// <summary>
/// shim.json: who is running a container. Written by psc-shim stage 1 once stage 2 has started. Each pid comes with
/// its start time from /proc/&lt;pid&gt;/stat (clock ticks after boot), so that a reader can tell the recorded process
/// from a later one that was given the same pid (see <see cref="Linux.ProcessIdentity"/>).
/// </summary>
public sealed record ShimState
{
    /// <summary>The pid of psc-shim stage 1, the monitor.</summary>
    [JsonPropertyName("shimPid")]
    public int ShimPid { get; set; }

    /// <summary>The container's init process (stage 2, then the payload) in the host's PID namespace.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    /// <summary>The start time of <see cref="ShimPid"/> (/proc/&lt;pid&gt;/stat field 22).</summary>
    [JsonPropertyName("shimStartTime")]
    public ulong ShimStartTime { get; set; }

    /// <summary>The start time of <see cref="Pid"/> (/proc/&lt;pid&gt;/stat field 22); execve keeps it.</summary>
    [JsonPropertyName("pidStartTime")]
    public ulong PidStartTime { get; set; }

    [JsonPropertyName("startedAt")]
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>True while the monitor that wrote this record is alive (not a zombie, not a reused pid). Not part of the file.</summary>
    [JsonIgnore]
    public bool IsShimAlive => ProcessIdentity.IsSameAndAlive(ShimPid, ShimStartTime);

    /// <summary>True while the container's init that this record names is alive. Not part of the file.</summary>
    [JsonIgnore]
    public bool IsInitAlive => ProcessIdentity.IsSameAndAlive(Pid, PidStartTime);

    public void WriteTo(string bundleDirectory) =>
        AtomicFile.Write(Path.Combine(bundleDirectory, Bundle.ShimStateFile), ToJson(), durable: false);

    /// <summary>The record as the source-generated context writes it, without the serializer (see <see cref="JsonRecord"/>).</summary>
    internal byte[] ToJson() => JsonRecord.Write(w =>
    {
        w.WriteNumber("shimPid", ShimPid);
        w.WriteNumber("pid", Pid);
        w.WriteNumber("shimStartTime", ShimStartTime);
        w.WriteNumber("pidStartTime", PidStartTime);
        w.WriteString("startedAt", StartedAt);
    });

    /// <summary>Reads shim.json, or returns null if it has not been written (yet).</summary>
    public static ShimState? ReadFrom(string bundleDirectory)
    {
        string path = Path.Combine(bundleDirectory, Bundle.ShimStateFile);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ProcessJsonContext.Default.ShimState) : null;
    }
}
