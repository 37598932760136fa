using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// One credentials file: docker's <c>config.json</c>, containers' <c>auth.json</c> (the same <c>auths</c> format) or
/// the legacy <c>~/.dockercfg</c> (the <c>auths</c> map at the top level). Keys are matched the way both tools do:
/// a scheme and, for URL keys, the path are ignored (<c>https://index.docker.io/v1/</c> is Docker Hub), and
/// containers' namespaced keys (<c>quay.io/org</c>) apply to the repositories under them, most specific first.
/// The document is kept as a JSON tree, so saving it preserves every key this code does not know.
/// </summary>
public sealed class AuthFile
{
    public const string DockerHubKey = "https://index.docker.io/v1/";
    private readonly JsonObject _root;
    private readonly bool _legacy;

    private AuthFile(string path, JsonObject root, bool legacy)
    {
        Path = path;
        _root = root;
        _legacy = legacy;
    }

    public string Path { get; }

    /// <summary>True for docker's config.json (Docker Hub is keyed by its v1 URL there); false for auth.json.</summary>
    public bool IsDockerConfig => System.IO.Path.GetFileName(Path) is "config.json" or ".dockercfg";

    /// <summary>docker's <c>credsStore</c>: the helper that holds every registry's credentials.</summary>
    public string? CredsStore => _root["credsStore"] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null;

    /// <summary>Reads a file; null when it does not exist. Invalid JSON is InvalidArgument naming the file.</summary>
    public static AuthFile? TryLoad(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        bool legacy = System.IO.Path.GetFileName(path) == ".dockercfg";
        try
        {
            var node = bytes.Length == 0 ? new JsonObject() : JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (node is not JsonObject root)
            {
                throw new JsonException("the document is not a JSON object");
            }
            return new AuthFile(path, root, legacy);
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "InvalidAuthFile", $"credentials file {path}: {e.Message}", e) { Target = path };
        }
    }

    /// <summary>An empty document that <see cref="Save"/> will create.</summary>
    public static AuthFile Create(string path) => new(path, new JsonObject(), legacy: false);

    private JsonObject? Auths => _legacy ? _root : _root["auths"] as JsonObject;

    /// <summary>docker's <c>credHelpers</c> entry for a registry, if any.</summary>
    public string? HelperFor(string registry)
    {
        if (_root["credHelpers"] is not JsonObject helpers)
        {
            return null;
        }
        foreach (var (key, value) in helpers)
        {
            if (NormalizeKey(key) == registry && value is JsonValue v && v.TryGetValue(out string? helper) && helper.Length > 0)
            {
                return helper;
            }
        }
        return null;
    }

    /// <summary>
    /// The entry for a repository, most specific key first (<c>host/a/b</c>, <c>host/a</c>, <c>host</c>). An entry that
    /// exists but holds no secret (docker writes <c>{}</c> for registries whose credentials live in a helper) is
    /// returned with a null credential.
    /// </summary>
    public (string Key, RegistryCredential? Credential)? Find(string registry, string? repository)
    {
        if (Auths is not { } auths)
        {
            return null;
        }
        foreach (string candidate in Candidates(registry, repository))
        {
            foreach (var (key, value) in auths)
            {
                if (NormalizeKey(key) == candidate && value is JsonObject entry)
                {
                    return (key, Decode(entry));
                }
            }
        }
        return null;
    }

    private RegistryCredential? Decode(JsonObject entry)
    {
        string? auth = Text(entry, "auth");
        string? identityToken = Text(entry, "identitytoken");
        string? user = Text(entry, "username");
        string? password = Text(entry, "password");
        if (!string.IsNullOrEmpty(auth))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException e)
            {
                throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "InvalidAuthFile", $"credentials file {Path}: an \"auth\" value is not base64", e) { Target = Path };
            }
            int colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                throw ContainerRuntimeException.InvalidArgument("InvalidAuthFile", $"credentials file {Path}: an \"auth\" value is not user:password", Path);
            }
            user = decoded[..colon];
            password = decoded[(colon + 1)..];
        }
        if (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(identityToken))
        {
            return null;
        }
        return new RegistryCredential(user ?? "", string.IsNullOrEmpty(password) ? null : password, identityToken) { Source = Path };
    }

    private static string? Text(JsonObject entry, string name) =>
        entry[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>Writes (or replaces) the entry for a registry; a null credential writes docker's empty placeholder.</summary>
    public void Set(string registry, RegistryCredential? credential)
    {
        if (_legacy)
        {
            throw ContainerRuntimeException.InvalidArgument("AuthFileReadOnly", $"credentials file {Path}: the legacy .dockercfg format is read only", Path);
        }
        var auths = Auths ?? (JsonObject)(_root["auths"] = new JsonObject());
        string key = auths.Select(p => p.Key).FirstOrDefault(k => NormalizeKey(k) == registry)
            ?? (registry == Reference.ImageReference.DockerHubDomain && IsDockerConfig ? DockerHubKey : registry);
        var entry = new JsonObject();
        if (credential is not null)
        {
            entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + (credential.IdentityToken is null ? credential.Password : "")));
            if (credential.IdentityToken is not null)
            {
                entry["identitytoken"] = credential.IdentityToken;
            }
        }
        auths[key] = entry;
    }

    /// <summary>Removes every entry of a registry (not its namespaced entries). False when there was none.</summary>
    public bool Remove(string registry)
    {
        if (Auths is not { } auths)
        {
            return false;
        }
        var keys = auths.Select(p => p.Key).Where(k => NormalizeKey(k) == registry).ToList();
        foreach (string key in keys)
        {
            auths.Remove(key);
        }
        return keys.Count > 0;
    }

    /// <summary>Writes the file atomically, readable by its owner only (it holds secrets), creating its directory (0700).</summary>
    public void Save()
    {
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        byte[] bytes = Encoding.UTF8.GetBytes(_root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.Write(Path, bytes);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// A key as a registry name: no scheme; for a URL key (it had a scheme) only the host; Docker Hub's aliases as
    /// <c>docker.io</c>. Namespaced keys without a scheme keep their path: <c>quay.io/org</c>.
    /// </summary>
    public static string NormalizeKey(string key)
    {
        string value = key.Trim();
        bool hadScheme = false;
        foreach (string scheme in new[] { "https://", "http://" })
        {
            if (value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                value = value[scheme.Length..];
                hadScheme = true;
            }
        }
        int slash = value.IndexOf('/');
        string host = slash < 0 ? value : value[..slash];
        string rest = slash < 0 || hadScheme ? "" : value[slash..].TrimEnd('/');
        host = host.ToLowerInvariant() switch
        {
            "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" or "docker.io" => Reference.ImageReference.DockerHubDomain,
            _ => host.ToLowerInvariant(),
        };
        return host + rest;
    }

    private static IEnumerable<string> Candidates(string registry, string? repository)
    {
        if (!string.IsNullOrEmpty(repository))
        {
            string path = registry + "/" + repository;
            while (path.Length > registry.Length)
            {
                yield return path;
                path = path[..path.LastIndexOf('/')];
            }
        }
        yield return registry;
    }
}
