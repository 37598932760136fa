# Module manifest for PSContainer. The assemblies are laid out in out/module by ./build.ps1 Build.
@{
    RootModule           = 'out/module/PSContainer.dll'
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
        'out/module/Formats/Containers.Format.ps1xml'
        'out/module/Formats/Rootfs.Format.ps1xml'
    )
    # Listed one by one (no wildcards) so that PowerShell can discover them without loading the module.
    CmdletsToExport      = @(
        'Start-Container'
        'Invoke-ContainerImagePull'
        'Get-ContainerImage'
        'Get-ContainerLayer'
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
