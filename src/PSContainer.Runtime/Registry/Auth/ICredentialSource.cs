namespace PSContainer.Runtime.Registry.Auth;

/// <summary>Finds the credentials to use for a registry, if any.</summary>
public interface ICredentialSource
{
    /// <summary>
    /// Credentials for <paramref name="registry"/> (host[:port], <c>docker.io</c> for Docker Hub) and, where a
    /// source keys them more finely (containers' auth.json), the repository <paramref name="repository"/>.
    /// Null for anonymous access.
    /// </summary>
    RegistryCredential? Get(string registry, string? repository);
}

/// <summary>No credentials: anonymous access everywhere.</summary>
public sealed class AnonymousCredentials : ICredentialSource
{
    public static AnonymousCredentials Instance { get; } = new();

    public RegistryCredential? Get(string registry, string? repository) => null;
}
