using System.Text.Json;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Process;

/// <summary>
/// Pulls linux.namespaces out of a config.json with Utf8JsonReader, skipping everything else (see
/// <see cref="Bundle.ReadNamespaces"/> for why). Accepts the same documents as SpecJsonContext: comments and
/// trailing commas allowed, names matched case-sensitively.
/// </summary>
internal static class NamespaceScanner
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static IReadOnlyList<NamespaceSpec> Scan(ReadOnlySpan<byte> json)
    {
        Utf8JsonReader reader = new(json, Options);
        Expect(ref reader, JsonTokenType.StartObject);
        List<NamespaceSpec> namespaces = [];
        while (NextProperty(ref reader, out bool isLinux, "linux"u8))
        {
            if (!isLinux || reader.TokenType == JsonTokenType.Null)
            {
                reader.Skip();
                continue;
            }

            Require(ref reader, JsonTokenType.StartObject);
            while (NextProperty(ref reader, out bool isNamespaces, "namespaces"u8))
            {
                if (!isNamespaces || reader.TokenType == JsonTokenType.Null)
                {
                    reader.Skip();
                    continue;
                }

                namespaces.Clear(); // a repeated member wins, as with the deserializer
                Require(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    namespaces.Add(ReadNamespace(ref reader));
                }
            }
        }

        return namespaces;
    }

    private static NamespaceSpec ReadNamespace(ref Utf8JsonReader reader)
    {
        Require(ref reader, JsonTokenType.StartObject);
        string type = "";
        string? path = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            bool isPath = reader.ValueTextEquals("path"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString()!;
            }
            else if (isPath && reader.TokenType is JsonTokenType.String or JsonTokenType.Null)
            {
                path = reader.GetString();
            }
            else if (isType || isPath)
            {
                throw new JsonException($"linux.namespaces: \"{(isType ? "type" : "path")}\" must be a string");
            }
            else
            {
                reader.Skip();
            }
        }

        return new NamespaceSpec { Type = type, Path = path };
    }

    /// <summary>Moves to the next property's value; false at the end of the current object.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader, out bool matches, ReadOnlySpan<byte> name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            matches = false;
            return false;
        }

        matches = reader.ValueTextEquals(name);
        if (!reader.Read())
        {
            throw new JsonException("unexpected end of document");
        }

        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read())
        {
            throw new JsonException("empty document");
        }

        Require(ref reader, type);
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type}, found {reader.TokenType}");
        }
    }
}
