using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>The token server's answer (distribution's token authentication specification).</summary>
internal sealed record TokenResponse
{
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; set; }

    [JsonPropertyName("issued_at")]
    public DateTimeOffset? IssuedAt { get; set; }

    [JsonPropertyName("refresh_token")]
    public string? RefreshToken { get; set; }
}
