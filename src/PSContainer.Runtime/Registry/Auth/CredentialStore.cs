using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// Registry credentials as docker and podman keep them, read in containers-auth.json(5)'s search order:
/// <list type="number">
/// <item><c>$REGISTRY_AUTH_FILE</c> when set; otherwise <c>$XDG_RUNTIME_DIR/containers/auth.json</c> (for root without
/// XDG_RUNTIME_DIR: <c>/run/containers/0/auth.json</c>) and <c>$XDG_CONFIG_HOME/containers/auth.json</c>
/// (<c>~/.config/…</c>);</item>
/// <item>docker's <c>$DOCKER_CONFIG/config.json</c> (<c>~/.docker/config.json</c>), with its <c>credHelpers</c> and
/// <c>credsStore</c> (docker-credential-* helpers);</item>
/// <item>the legacy <c>~/.dockercfg</c>.</item>
/// </list>
/// The first file that knows the registry wins. Logins are written where docker would write them — or to
/// <c>$REGISTRY_AUTH_FILE</c> when that is set, as podman does — in the same format.
/// </summary>
public sealed class CredentialStore : ICredentialSource
{
    public CredentialStore(IReadOnlyList<string> searchPath, string writePath)
    {
        SearchPath = searchPath;
        WritePath = writePath;
    }

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> SearchPath { get; }

    /// <summary>The file logins go to unless the caller names one.</summary>
    public string WritePath { get; }

    /// <summary>The store for this process's environment.</summary>
    public static CredentialStore FromEnvironment()
    {
        string home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string dockerConfig = Path.Combine(Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Combine(home, ".docker"), "config.json");
        var path = new List<string>();
        string? authFile = Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE");
        if (!string.IsNullOrEmpty(authFile))
        {
            path.Add(authFile);
        }
        else
        {
            string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            if (!string.IsNullOrEmpty(runtime))
            {
                path.Add(Path.Combine(runtime, "containers", "auth.json"));
            }
            else if (Environment.IsPrivilegedProcess)
            {
                path.Add("/run/containers/0/auth.json");
            }
            string config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x : Path.Combine(home, ".config");
            path.Add(Path.Combine(config, "containers", "auth.json"));
        }
        path.Add(dockerConfig);
        path.Add(Path.Combine(home, ".dockercfg"));
        return new CredentialStore(path, string.IsNullOrEmpty(authFile) ? dockerConfig : authFile);
    }

    public RegistryCredential? Get(string registry, string? repository)
    {
        foreach (string file in SearchPath)
        {
            var auth = AuthFile.TryLoad(file);
            if (auth is null)
            {
                continue;
            }
            if (auth.HelperFor(registry) is { } helper)
            {
                // docker: a registry with its own helper is that helper's alone.
                return CredentialHelper.Get(helper, registry);
            }
            var entry = auth.Find(registry, repository);
            if (entry is { Credential: { } credential })
            {
                return credential;
            }
            if (auth.CredsStore is { } store)
            {
                if (CredentialHelper.Get(store, registry) is { } stored)
                {
                    return stored;
                }
            }
            if (entry is not null)
            {
                // An entry that holds nothing here and nothing in the store: this file knew the registry; stop.
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Stores a login for <paramref name="registry"/> in <paramref name="file"/> (default <see cref="WritePath"/>), or in
    /// the credential helper that file names for it. Returns where the secret went (a path or a helper name).
    /// </summary>
    public string Save(string registry, RegistryCredential credential, string? file = null)
    {
        file ??= WritePath;
        var auth = AuthFile.TryLoad(file) ?? AuthFile.Create(file);
        string? helper = auth.HelperFor(registry) ?? auth.CredsStore;
        if (helper is not null)
        {
            CredentialHelper.Store(helper, registry, credential);
            // docker keeps an empty entry, so `docker info` and logout know the registry.
            auth.Set(registry, null);
            auth.Save();
            return "docker-credential-" + helper;
        }
        auth.Set(registry, credential);
        auth.Save();
        return file;
    }

    /// <summary>Removes a login from <paramref name="file"/> (and its helper). False when there was none.</summary>
    public bool Remove(string registry, string? file = null)
    {
        file ??= WritePath;
        var auth = AuthFile.TryLoad(file);
        if (auth is null)
        {
            return false;
        }
        bool removed = false;
        if ((auth.HelperFor(registry) ?? auth.CredsStore) is { } helper)
        {
            removed = CredentialHelper.Erase(helper, registry);
        }
        if (auth.Remove(registry))
        {
            auth.Save();
            removed = true;
        }
        return removed;
    }

    /// <summary>The registry name credentials are keyed by, from what a user typed (docker login's argument).</summary>
    public static string RegistryName(string server)
    {
        string name = AuthFile.NormalizeKey(server);
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidRegistryName", $"invalid registry \"{server}\": expected host[:port]", server);
        }
        return name;
    }
}
