using System.Text.Json;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Process;

/// <summary>
/// cgroup.json: where a container's cgroup is. psc-shim stage 1 writes it before it creates the directories (so a
/// kill -9 at any later moment leaves a record of what to clean up) and removes the directories when the container
/// ends. The paths are absolute: the caller's cgroup they are nested under differs between sessions.
/// </summary>
public sealed record CgroupState
{
    public const string FileName = "cgroup.json";

    [JsonPropertyName("directories")]
    public IReadOnlyList<CgroupDirectory> Directories { get; set; } = [];

    public Cgroup ToCgroup() => new(Directories);

    public void WriteTo(string bundleDirectory) =>
        AtomicFile.Write(Path.Combine(bundleDirectory, FileName), ToJson(), durable: false);

    /// <summary>The record as the source-generated context writes it, without the serializer (see <see cref="JsonRecord"/>).</summary>
    internal byte[] ToJson() => JsonRecord.Write(w =>
    {
        w.WriteStartArray("directories");
        foreach (CgroupDirectory directory in Directories)
        {
            w.WriteStartObject();
            w.WriteString("path", directory.Path);
            w.WriteBoolean("unified", directory.Unified);
            w.WriteStartArray("controllers");
            foreach (string controller in directory.Controllers)
            {
                w.WriteStringValue(controller);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>Reads cgroup.json, or returns null if the container never had a cgroup.</summary>
    public static CgroupState? ReadFrom(string bundleDirectory)
    {
        string path = Path.Combine(bundleDirectory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ProcessJsonContext.Default.CgroupState) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
