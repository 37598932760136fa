using System.Buffers;
using System.Text.Json;

namespace PSContainer.Runtime.State;

/// <summary>
/// One small JSON object written straight with <see cref="Utf8JsonWriter"/>, for the records psc-shim writes on a
/// container's start and end path (cgroup.json, shim.json, exit.json). The serializer's first use in a NativeAOT
/// process builds its metadata and costs milliseconds per container start; these records have a handful of
/// fields. They are still read with the source-generated context, and the unit tests check that both produce the
/// same bytes.
/// </summary>
public static class JsonRecord
{
    public static byte[] Write(Action<Utf8JsonWriter> writeProperties)
    {
        ArrayBufferWriter<byte> buffer = new(256);
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
