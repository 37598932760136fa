namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// What a request needs to be authorized for: the <paramref name="Authority"/> (host:port) it goes to — challenges
/// are remembered per authority — the <paramref name="Registry"/> name credentials are looked up by, the
/// repository, and the token scopes (<c>repository:library/busybox:pull</c>).
/// </summary>
public sealed record AuthScope(string Authority, string Registry, string? Repository, IReadOnlyList<string> Scopes);
