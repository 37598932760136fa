using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Registry;

/// <summary>The error body of the distribution API: <c>{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}</c>.</summary>
internal sealed record RegistryErrors
{
    [JsonPropertyName("errors")]
    public IReadOnlyList<RegistryError>? Errors { get; set; }
}

internal sealed record RegistryError
{
    [JsonPropertyName("code")]
    public string? Code { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
