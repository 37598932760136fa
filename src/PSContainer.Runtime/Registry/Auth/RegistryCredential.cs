namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// Credentials for one registry: a user name with a password, or an identity token (an OAuth2 refresh token that a
/// token server handed out at login; docker's <c>identitytoken</c>). <see cref="ToString"/> never shows a secret.
/// </summary>
public sealed class RegistryCredential
{
    public RegistryCredential(string userName, string? password, string? identityToken = null)
    {
        UserName = userName;
        Password = password;
        IdentityToken = string.IsNullOrEmpty(identityToken) ? null : identityToken;
    }

    public string UserName { get; }

    public string? Password { get; }

    public string? IdentityToken { get; }

    /// <summary>Where the credential was found (a file path or <c>docker-credential-&lt;name&gt;</c>), for messages.</summary>
    public string? Source { get; init; }

    /// <summary>What tells two credentials apart in a token cache, without holding the secret itself.</summary>
    internal string CacheKey => UserName + "\n" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes((Password ?? "") + "\n" + (IdentityToken ?? ""))));

    public override string ToString() => UserName + (Source is null ? "" : " (" + Source + ")");
}
