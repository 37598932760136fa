using System.Text.Json;

namespace PSContainer.Runtime.Process;

/// <summary>Finds where config.json's linux.seccomp value is, as raw bytes, with a forward-only reader (like <see cref="NamespaceScanner"/>).</summary>
internal static class SeccompSection
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The offset and length of the value of the last "seccomp" member of the top-level "linux" object, or null.</summary>
    public static (int Start, int Length)? Find(ReadOnlySpan<byte> json)
    {
        Utf8JsonReader reader = new(json, Options);
        (int, int)? found = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isLinux = reader.ValueTextEquals("linux"u8);
            reader.Read();
            if (!isLinux || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isSeccomp = reader.ValueTextEquals("seccomp"u8);
                reader.Read();
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isSeccomp)
                {
                    found = (start, (int)reader.BytesConsumed - start);
                }
            }
        }

        return found;
    }
}
