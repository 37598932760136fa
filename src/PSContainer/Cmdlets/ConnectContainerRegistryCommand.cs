using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Registry.Auth;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Logs in to a container registry and stores the credentials (docker login).</para>
/// <para type="description">The credentials are first checked against the registry: with Basic authentication by
/// opening its API, with token authentication by obtaining a token from its token server. Only then are they stored,
/// in the same format docker and podman use: in $REGISTRY_AUTH_FILE when it is set, else in docker's config.json
/// ($DOCKER_CONFIG or ~/.docker), or in the file -AuthFile names; a credential helper configured there
/// (credsStore, credHelpers) receives the secret instead. When the token server hands out a refresh token, that
/// identity token is stored instead of the password. Pulls and pushes then use the stored credentials.</para>
/// </summary>
/// <example><code>Connect-ContainerRegistry registry.example.com -Credential (Get-Credential)</code></example>
/// <example><code>Connect-ContainerRegistry localhost:5000 -Credential $cred -AuthFile ./auth.json -PassThru</code></example>
[Cmdlet(VerbsCommunications.Connect, "ContainerRegistry", SupportsShouldProcess = true)]
[OutputType(typeof(RegistryLogin))]
public sealed class ConnectContainerRegistryCommand : ContainerCmdletBase
{
    /// <summary>The registry: host[:port], or docker.io (the default) for Docker Hub.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Server")]
    public string Registry { get; set; } = "docker.io";

    /// <summary>The user name and password (or access token) to log in with.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>The credentials file to write instead of the default one.</summary>
    [Parameter]
    public string? AuthFile { get; set; }

    /// <summary>Writes the stored login.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string? authFile = AuthFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(AuthFile);
        if (!ShouldProcess(Registry, $"Log in as {Credential.UserName}"))
        {
            return;
        }
        try
        {
            string password = Credential.GetNetworkCredential().Password;
            var login = Run(new PipelinePump(), () => RegistryLogins.LoginAsync(Registry, Credential.UserName, password, authFile, CancellationToken));
            ImagePull.Status(this, "Login Succeeded");
            if (PassThru)
            {
                WriteObject(login);
            }
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            WriteEngineError(e, Registry);
        }
    }
}
