using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// docker login and docker logout: credentials are checked against the registry (<see cref="RegistryClient.LoginAsync"/>)
/// and only then stored, in the file (or credential helper) that <see cref="CredentialStore"/> chooses — or in
/// <c>authFile</c> — in docker's and containers' common format. A token server that hands out a refresh token gets it
/// stored as an identity token instead of the password, as docker does.
/// </summary>
public static class RegistryLogins
{
    /// <summary>Checks and stores a login for <paramref name="server"/> (host[:port] or a URL; <c>docker.io</c> for Docker Hub).</summary>
    public static async Task<RegistryLogin> LoginAsync(string server, string userName, string password, string? authFile, CancellationToken cancellationToken)
    {
        string registry = CredentialStore.RegistryName(server);
        var credential = new RegistryCredential(userName, password);
        string? refreshToken;
        using (var client = new RegistryClient(RegistryConfig.Load()))
        {
            refreshToken = await client.LoginAsync(registry, credential, cancellationToken).ConfigureAwait(false);
        }
        var store = CredentialStore.FromEnvironment();
        var stored = refreshToken is null ? credential : new RegistryCredential(userName, null, refreshToken);
        string where = store.Save(registry, stored, authFile);
        return new RegistryLogin(registry, userName, where, refreshToken is not null);
    }

    /// <summary>Removes the stored login for <paramref name="server"/>; false when there was none.</summary>
    public static bool Logout(string server, string? authFile) =>
        CredentialStore.FromEnvironment().Remove(CredentialStore.RegistryName(server), authFile);
}
