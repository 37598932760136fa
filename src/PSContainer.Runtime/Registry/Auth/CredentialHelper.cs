using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Errors;
using SystemProcess = System.Diagnostics.Process;

namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// docker's credential-helper protocol (docker-credential-helpers): <c>docker-credential-&lt;name&gt; get</c> reads a
/// server URL on stdin and writes <c>{"ServerURL","Username","Secret"}</c>; <c>store</c> reads that JSON; <c>erase</c>
/// reads the URL. A user name of <c>&lt;token&gt;</c> marks the secret as an identity token. A helper that does not know
/// the server says "credentials not found" and exits non-zero, which is "no credentials", not a failure.
/// </summary>
public static class CredentialHelper
{
    private const string TokenUserName = "<token>";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The server URL docker hands helpers: Docker Hub's v1 URL, else the registry host[:port].</summary>
    public static string ServerUrl(string registry) =>
        registry == Reference.ImageReference.DockerHubDomain ? AuthFile.DockerHubKey : registry;

    public static RegistryCredential? Get(string helper, string registry)
    {
        var (exitCode, output) = Run(helper, "get", ServerUrl(registry));
        if (exitCode != 0)
        {
            if (output.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            throw Failed(helper, "get", output);
        }
        HelperCredential? answer;
        try
        {
            answer = JsonSerializer.Deserialize(output, HelperJsonContext.Default.HelperCredential);
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.Unavailable, "CredentialHelperFailed",
                $"credential helper docker-credential-{helper}: get: the answer is not valid JSON: {e.Message}", e) { Target = helper };
        }
        if (answer is null || (string.IsNullOrEmpty(answer.Username) && string.IsNullOrEmpty(answer.Secret)))
        {
            return null;
        }
        string source = "docker-credential-" + helper;
        return answer.Username == TokenUserName
            ? new RegistryCredential("", null, answer.Secret) { Source = source }
            : new RegistryCredential(answer.Username ?? "", answer.Secret) { Source = source };
    }

    public static void Store(string helper, string registry, RegistryCredential credential)
    {
        var payload = new HelperCredential
        {
            ServerURL = ServerUrl(registry),
            Username = credential.IdentityToken is null ? credential.UserName : TokenUserName,
            Secret = credential.IdentityToken ?? credential.Password ?? "",
        };
        var (exitCode, output) = Run(helper, "store", JsonSerializer.Serialize(payload, HelperJsonContext.Default.HelperCredential));
        if (exitCode != 0)
        {
            throw Failed(helper, "store", output);
        }
    }

    /// <summary>Erases a server's credentials; false when the helper had none.</summary>
    public static bool Erase(string helper, string registry)
    {
        var (exitCode, output) = Run(helper, "erase", ServerUrl(registry));
        if (exitCode != 0)
        {
            if (output.Contains("not found", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            throw Failed(helper, "erase", output);
        }
        return true;
    }

    private static ContainerRuntimeException Failed(string helper, string action, string output) =>
        ContainerRuntimeException.Unavailable("CredentialHelperFailed",
            $"credential helper docker-credential-{helper}: {action} failed: {output.Trim()}", target: helper);

    private static (int ExitCode, string Output) Run(string helper, string action, string input)
    {
        if (helper.Length == 0 || helper.Contains('/', StringComparison.Ordinal))
        {
            throw ContainerRuntimeException.InvalidArgument("InvalidCredentialHelper", $"credential helper name \"{helper}\" is not valid", helper);
        }
        var start = new System.Diagnostics.ProcessStartInfo("docker-credential-" + helper, action)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        SystemProcess process;
        try
        {
            process = SystemProcess.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "CredentialHelperNotFound",
                $"credential helper docker-credential-{helper} was not found on PATH: {e.Message}", e) { Target = helper };
        }
        using (process)
        {
            // Read both pipes while writing, so a chatty helper cannot block on a full pipe.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The helper exited without reading its input; its exit code tells why.
            }
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw ContainerRuntimeException.Unavailable("CredentialHelperFailed", $"credential helper docker-credential-{helper}: {action} did not finish within {Timeout.TotalSeconds} s", target: helper);
            }
            string output = stdout.GetAwaiter().GetResult();
            string errors = stderr.GetAwaiter().GetResult();
            return (process.ExitCode, process.ExitCode == 0 ? output : (output + "\n" + errors).Trim());
        }
    }
}

/// <summary>The JSON a credential helper reads and writes.</summary>
internal sealed record HelperCredential
{
    [JsonPropertyName("ServerURL")]
    public string? ServerURL { get; set; }

    [JsonPropertyName("Username")]
    public string? Username { get; set; }

    [JsonPropertyName("Secret")]
    public string? Secret { get; set; }
}

[JsonSerializable(typeof(HelperCredential))]
internal sealed partial class HelperJsonContext : JsonSerializerContext
{
}
