namespace PSContainer.Runtime.Registry.Auth;

/// <summary>A stored login (Connect-ContainerRegistry's result): the registry, the user, where the secret went.</summary>
public sealed record RegistryLogin(string Registry, string UserName, string StoredIn, bool IdentityToken)
{
    public override string ToString() => $"{UserName}@{Registry}";
}
