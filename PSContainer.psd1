# Module manifest for PSContainer. The assemblies are laid out in out/module by ./build.ps1 Build.
@{
    # A nested module rather than RootModule: PowerShell looks for a binary cmdlet's help
    # (PSContainer.dll-Help.xml) beside a nested module's assembly, but only in the manifest's own
    # directory for a RootModule; the build writes the help next to the assembly in out/module.
    NestedModules        = @('out/module/PSContainer.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = 'be91a681-cc2e-4002-85af-2d52d40f39d3'
    Author               = 'The PSContainer authors'
    Copyright            = '(c) The PSContainer authors.'
    Description          = 'A daemonless container runtime for Linux that lives inside PowerShell: pull OCI images, assemble their layers and run them as namespaced processes, with real .NET objects in the pipeline.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # One file per area (src/PSContainer/Formats/), published with the module.
    FormatsToProcess     = @(
        'out/module/Formats/Images.Format.ps1xml'
        'out/module/Formats/Registry.Format.ps1xml'
        'out/module/Formats/Containers.Format.ps1xml'
        'out/module/Formats/Processes.Format.ps1xml'
        'out/module/Formats/Rootfs.Format.ps1xml'
    )
    # Listed one by one (no wildcards) so that PowerShell can discover them without loading the module.
    CmdletsToExport      = @(
        'Start-Container'
        'New-Container'
        'Get-Container'
        'Stop-Container'
        'Restart-Container'
        'Remove-Container'
        'Wait-Container'
        'Rename-Container'
        'Get-ContainerLog'
        'Invoke-ContainerImagePull'
        'Get-ContainerImage'
        'Get-ContainerLayer'
        'Invoke-ContainerCommand'
        'Suspend-Container'
        'Resume-Container'
        'Get-ContainerProcess'
        'Remove-ContainerImage'
        'Add-ContainerImageTag'
        'Export-ContainerImage'
        'Import-ContainerImage'
        'Publish-ContainerImage'
        'Connect-ContainerRegistry'
        'Disconnect-ContainerRegistry'
        'Get-ContainerChange'
        'Compare-ContainerImage'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('container', 'oci', 'linux', 'namespaces', 'overlayfs')
        }
    }
}
