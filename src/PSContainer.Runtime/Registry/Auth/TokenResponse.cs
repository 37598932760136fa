using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>The token server's answer (distribution's token authentication specification and its OAuth2 variant).</summary>
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

/// <summary>A bearer token, when it stops being usable, and the refresh token that came with it, if any.</summary>
public sealed record BearerToken(string Token, DateTimeOffset Expires, string? RefreshToken);
