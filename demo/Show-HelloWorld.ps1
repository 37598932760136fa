<#
.SYNOPSIS
What the demo's user sees: the PSContainer commands, each echoed before it runs.
Run by demo/Invoke-Demo.ps1 in a fresh pwsh, with PSCONTAINER_ROOT and PSCONTAINER_CONFIG set.
#>
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }
Set-Location (Split-Path -Parent $PSScriptRoot)

function Write-Prompt([string]$Command) {
    Write-Host ''
    Write-Host "PS> $Command"
}

Write-Prompt 'Import-Module ./PSContainer.psd1'
Import-Module ./PSContainer.psd1

# First run: the store is empty, so the image is pulled from the mirror before it runs.
Write-Prompt 'Start-Container hello-world'
Start-Container hello-world

# Second run: straight from the store, no pull.
Write-Prompt 'Start-Container hello-world'
Start-Container hello-world

Write-Prompt 'Get-ContainerImage'
Get-ContainerImage | Out-Host

Write-Prompt 'Get-ContainerImage | Get-ContainerLayer'
Get-ContainerImage | Get-ContainerLayer | Out-Host
