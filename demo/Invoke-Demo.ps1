<#
.SYNOPSIS
`docker run hello-world`, offline, with PSContainer. ./build.ps1 Demo runs it after the build.
.DESCRIPTION
Builds the hello-world image from demo/hello-world/hello.c with gcc and umoci (New-HelloWorldImage), pushes it with
skopeo to a local distribution registry that the config names as the docker.io mirror, and runs
demo/Show-HelloWorld.ps1 in a fresh pwsh against an empty store. The registry, the store and
every temporary file are removed at the end, also when something fails. Throws on failure.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repoRoot = Split-Path -Parent $PSScriptRoot
# The same fixtures the tests use, so the demo exercises nothing the tests do not.
Import-Module (Join-Path $repoRoot 'tests/Pester/TestHarness.psm1') -Force

function Write-Step([string]$Message) {
    Write-Host "==> $Message"
}

$work = New-TestTempDirectory 'psc-demo'
$savedCache = $env:PSCONTAINER_TEST_CACHE
$registry = $null
$store = $null
try {
    # An image cache of its own, so the demo leaves nothing behind when it is removed below.
    $env:PSCONTAINER_TEST_CACHE = Join-Path $work 'images'

    Write-Step 'Building the hello-world image: gcc -static demo/hello-world/hello.c, then umoci (/hello, Cmd ["/hello"])'
    $image = New-HelloWorldImage

    Write-Step 'Starting a local registry (docker-registry) to stand in for docker.io'
    $registry = Start-TestRegistry
    $published = $image | Publish-TestImage -Registry $registry -Repository 'library/hello-world' -Tag 'latest'
    Write-Host "    pushed $($published.Reference) ($($published.Digest)) with skopeo"

    $store = New-TestStore
    Set-TestRegistryConfig -Mirror $registry.Url -Insecure $registry.HostPort
    Write-Host "    PSCONTAINER_ROOT=$($store.Root) (empty)"
    Write-Host "    PSCONTAINER_CONFIG=$($store.ConfigPath): $((Get-Content -LiteralPath $store.ConfigPath -Raw | ConvertFrom-Json | ConvertTo-Json -Compress))"

    # A fresh pwsh loads the module the way a user would; it inherits the two variables above.
    Write-Step 'A new PowerShell session:'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Show-HelloWorld.ps1')
    if ($LASTEXITCODE -ne 0) { throw "The demo session failed with exit code $LASTEXITCODE" }
}
finally {
    if ($registry) { Stop-TestRegistry $registry }
    if ($store) { Remove-TestStore $store }
    $env:PSCONTAINER_TEST_CACHE = $savedCache
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Write-Step 'Demo registry, store and temporary files removed'
}
