using System.Text;
using System.Text.Json.Nodes;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Registry.Auth;
using Xunit;

namespace PSContainer.Tests.Registry;

/// <summary>Tests that change process-wide environment variables (PATH) must not run beside others.</summary>
[CollectionDefinition("Environment", DisableParallelization = true)]
public sealed class EnvironmentCollection
{
}

[Collection("Environment")]
public sealed class CredentialStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string json)
    {
        string path = _temp.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    private static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    [Theory]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("index.docker.io", "docker.io")]
    [InlineData("registry-1.docker.io", "docker.io")]
    [InlineData("docker.io", "docker.io")]
    [InlineData("http://localhost:5000/v2/", "localhost:5000")]
    [InlineData("Quay.IO", "quay.io")]
    [InlineData("quay.io/org/repo", "quay.io/org/repo")]
    public void Keys_are_normalised_like_docker_and_containers_do(string key, string registry) =>
        Assert.Equal(registry, AuthFile.NormalizeKey(key));

    [Fact]
    public void Docker_config_entries_are_decoded_for_docker_hub_and_other_registries()
    {
        string path = Write("config.json", $$"""
            { "auths": {
                "https://index.docker.io/v1/": { "auth": "{{Auth("hub", "pa:ss")}}" },
                "reg.example:5000": { "auth": "{{Auth("alice", "x")}}", "identitytoken": "refresh-1" } },
              "HttpHeaders": { "User-Agent": "kept" } }
            """);
        var store = new CredentialStore([path], path);
        var hub = store.Get("docker.io", "library/busybox")!;
        Assert.Equal(("hub", "pa:ss", (string?)null), (hub.UserName, hub.Password, hub.IdentityToken));
        Assert.Equal(path, hub.Source);
        var other = store.Get("reg.example:5000", "app")!;
        Assert.Equal("refresh-1", other.IdentityToken);
        Assert.Null(store.Get("unknown.example", "app"));
        Assert.DoesNotContain("pa:ss", hub.ToString());
    }

    [Fact]
    public void Namespaced_auth_json_keys_apply_most_specific_first()
    {
        string path = Write("auth.json", $$"""
            { "auths": {
                "quay.io": { "auth": "{{Auth("any", "1")}}" },
                "quay.io/org": { "auth": "{{Auth("org", "2")}}" },
                "quay.io/org/special": { "auth": "{{Auth("special", "3")}}" } } }
            """);
        var store = new CredentialStore([path], path);
        Assert.Equal("special", store.Get("quay.io", "org/special")!.UserName);
        Assert.Equal("org", store.Get("quay.io", "org/other")!.UserName);
        Assert.Equal("any", store.Get("quay.io", "elsewhere/app")!.UserName);
    }

    [Fact]
    public void The_first_file_in_the_search_order_that_knows_the_registry_wins()
    {
        string first = Write("run/auth.json", $$"""{ "auths": { "reg.example": { "auth": "{{Auth("from-auth-json", "1")}}" } } }""");
        string second = Write("docker/config.json", $$"""{ "auths": { "reg.example": { "auth": "{{Auth("from-docker", "2")}}" }, "other.example": { "auth": "{{Auth("docker-only", "3")}}" } } }""");
        var store = new CredentialStore([_temp.Combine("missing.json"), first, second], first);
        Assert.Equal("from-auth-json", store.Get("reg.example", null)!.UserName);
        Assert.Equal("docker-only", store.Get("other.example", null)!.UserName);
    }

    [Fact]
    public void The_environment_decides_the_search_order_and_where_logins_go()
    {
        var saved = (Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE"), Environment.GetEnvironmentVariable("DOCKER_CONFIG"), Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"));
        try
        {
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", _temp.Combine("dockercfg"));
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", _temp.Combine("xdg"));
            Environment.SetEnvironmentVariable("REGISTRY_AUTH_FILE", null);
            var store = CredentialStore.FromEnvironment();
            Assert.Equal(_temp.Combine("xdg", "containers", "auth.json"), store.SearchPath[0]);
            Assert.Contains(_temp.Combine("dockercfg", "config.json"), store.SearchPath);
            Assert.Equal(_temp.Combine("dockercfg", "config.json"), store.WritePath);

            Environment.SetEnvironmentVariable("REGISTRY_AUTH_FILE", _temp.Combine("explicit.json"));
            store = CredentialStore.FromEnvironment();
            Assert.Equal(_temp.Combine("explicit.json"), store.SearchPath[0]);
            Assert.DoesNotContain(_temp.Combine("xdg", "containers", "auth.json"), store.SearchPath);
            Assert.Equal(_temp.Combine("explicit.json"), store.WritePath);
        }
        finally
        {
            Environment.SetEnvironmentVariable("REGISTRY_AUTH_FILE", saved.Item1);
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", saved.Item2);
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", saved.Item3);
        }
    }

    [Fact]
    public void Saving_a_login_keeps_every_other_key_writes_owner_only_and_docker_hub_under_its_v1_url()
    {
        string path = Write("docker/config.json", """{ "auths": { "keep.example": { "auth": "a2VlcDpt" } }, "psFormat": "table" }""");
        var store = new CredentialStore([path], path);
        Assert.Equal(path, store.Save("docker.io", new RegistryCredential("hub", "pw")));
        Assert.Equal(path, store.Save("reg.example:5000", new RegistryCredential("alice", null, "refresh-9")));

        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("table", (string?)json["psFormat"]);
        Assert.Equal("a2VlcDpt", (string?)json["auths"]!["keep.example"]!["auth"]);
        Assert.Equal(Auth("hub", "pw"), (string?)json["auths"]![AuthFile.DockerHubKey]!["auth"]);
        Assert.Equal(Auth("alice", ""), (string?)json["auths"]!["reg.example:5000"]!["auth"]);
        Assert.Equal("refresh-9", (string?)json["auths"]!["reg.example:5000"]!["identitytoken"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        Assert.True(store.Remove("docker.io"));
        Assert.False(store.Remove("docker.io"));
        Assert.Null(new CredentialStore([path], path).Get("docker.io", null));
        Assert.Equal("refresh-9", new CredentialStore([path], path).Get("reg.example:5000", null)!.IdentityToken);
    }

    [Fact]
    public void An_auth_json_keys_docker_hub_as_docker_io()
    {
        string path = _temp.Combine("auth.json");
        new CredentialStore([path], path).Save("docker.io", new RegistryCredential("hub", "pw"));
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(path))!["auths"]!["docker.io"]);
    }

    [Fact]
    public void A_damaged_file_is_InvalidAuthFile()
    {
        string path = Write("config.json", "{ \"auths\": ");
        var error = Assert.Throws<ContainerRuntimeException>(() => new CredentialStore([path], path).Get("reg.example", null));
        Assert.Equal("InvalidAuthFile", error.ErrorId);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Credential_helpers_answer_get_store_and_erase_over_the_helper_protocol()
    {
        string bin = _temp.Combine("bin");
        Directory.CreateDirectory(bin);
        string storeFile = _temp.Combine("helper-store.json");
        File.WriteAllText(storeFile, """{ "reg.example": { "Username": "<token>", "Secret": "identity-1" } }""");
        string helper = Path.Combine(bin, "docker-credential-unittest");
        File.WriteAllText(helper, $$"""
            #!/usr/bin/python3
            import json, sys
            data = json.load(open('{{storeFile}}'))
            payload = sys.stdin.read()
            if sys.argv[1] == 'get':
                e = data.get(payload.strip())
                if e is None: print('credentials not found in native keychain'); sys.exit(1)
                print(json.dumps({'ServerURL': payload.strip(), 'Username': e['Username'], 'Secret': e['Secret']}))
            elif sys.argv[1] == 'store':
                e = json.loads(payload); data[e['ServerURL']] = {'Username': e['Username'], 'Secret': e['Secret']}; json.dump(data, open('{{storeFile}}', 'w'))
            elif sys.argv[1] == 'erase':
                data.pop(payload.strip()); json.dump(data, open('{{storeFile}}', 'w'))
            """.Replace("\r", ""));
        File.SetUnixFileMode(helper, (UnixFileMode)0b111_101_101);
        string config = Write("docker/config.json", """{ "credsStore": "unittest", "credHelpers": { "special.example": "unittest" }, "auths": { "plain.example": { "auth": "cDp3" } } }""");
        string? path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", bin + ":" + path);
            var store = new CredentialStore([config], config);
            var fromHelper = store.Get("reg.example", null)!;
            Assert.Equal(("identity-1", "docker-credential-unittest"), (fromHelper.IdentityToken, fromHelper.Source));
            Assert.Equal("p", store.Get("plain.example", null)!.UserName);
            Assert.Null(store.Get("nothing.example", null));

            Assert.Equal("docker-credential-unittest", store.Save("docker.io", new RegistryCredential("hub", "pw")));
            var held = JsonNode.Parse(File.ReadAllText(storeFile))!;
            Assert.Equal("hub", (string?)held[AuthFile.DockerHubKey]!["Username"]);
            Assert.Equal("pw", (string?)held[AuthFile.DockerHubKey]!["Secret"]);
            // docker keeps an empty entry in the file, never the secret.
            var file = JsonNode.Parse(File.ReadAllText(config))!;
            Assert.Equal("{}", file["auths"]![AuthFile.DockerHubKey]!.ToJsonString());
            Assert.Equal("pw", store.Get("docker.io", "library/busybox")!.Password);

            Assert.True(store.Remove("docker.io"));
            Assert.Null(JsonNode.Parse(File.ReadAllText(storeFile))![AuthFile.DockerHubKey]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    [Fact]
    public void A_helper_that_is_not_installed_is_CredentialHelperNotFound()
    {
        string config = Write("config.json", """{ "credsStore": "no-such-helper-here" }""");
        var error = Assert.Throws<ContainerRuntimeException>(() => new CredentialStore([config], config).Get("reg.example", null));
        Assert.Equal("CredentialHelperNotFound", error.ErrorId);
    }
}
