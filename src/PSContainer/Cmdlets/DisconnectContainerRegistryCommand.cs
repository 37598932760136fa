using System.Management.Automation;
using PSContainer.Runtime.Registry;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes the stored credentials of container registries (docker logout).</para>
/// <para type="description">Removes the login from the credentials file Connect-ContainerRegistry writes to (or from
/// -AuthFile), and from the credential helper that file names for the registry. A registry that has no stored login
/// gives a warning.</para>
/// </summary>
/// <example><code>Disconnect-ContainerRegistry registry.example.com</code></example>
/// <example><code>Connect-ContainerRegistry localhost:5000 -Credential $c -PassThru | Disconnect-ContainerRegistry</code></example>
[Cmdlet(VerbsCommunications.Disconnect, "ContainerRegistry", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class DisconnectContainerRegistryCommand : ContainerCmdletBase
{
    /// <summary>The registries: host[:port], or docker.io (the default) for Docker Hub.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Server")]
    public string[] Registry { get; set; } = ["docker.io"];

    /// <summary>The credentials file to edit instead of the default one.</summary>
    [Parameter]
    public string? AuthFile { get; set; }

    protected override void ProcessRecord()
    {
        string? authFile = AuthFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(AuthFile);
        foreach (string registry in Registry)
        {
            if (!ShouldProcess(registry, "Log out"))
            {
                continue;
            }
            try
            {
                if (RegistryLogins.Logout(registry, authFile))
                {
                    WriteVerbose($"Removed login credentials for {registry}");
                }
                else
                {
                    WriteWarning($"Not logged in to {registry}");
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e)
            {
                WriteEngineError(e, registry);
            }
        }
    }
}
