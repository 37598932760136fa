<#
.SYNOPSIS
PSContainer side by side with podman, runc, skopeo and umoci, in one run on this machine.
.DESCRIPTION
Run by `./build.ps1 Bench [-Quick]` in a fresh pwsh that has just built the module. Every figure is a ratio
against a peer measured in the same run, in alternating rounds (see BenchHarness.psm1); the table goes to
the console and to bench/results/latest.md with the machine, the versions and the date.

Images come from a local distribution registry, made by independent tools: busybox and the 100-layer
image with umoci / python3 (make_layout.py), the large image from a Debian minbase made by debootstrap
(or, if that cannot be fetched, a tar of /usr).
#>
[CmdletBinding()]
param(
    [switch]$Quick,
    [string]$ResultFile = (Join-Path $PSScriptRoot 'results/latest.md'),
    # Only these figures (by function suffix: Pull, Unpack, Run, Assembly, Detached, MonitorMemory, ImageList).
    [string[]]$Figure = @('Pull', 'Unpack', 'Run', 'Assembly', 'Detached', 'MonitorMemory', 'ImageList')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# pwsh -File passes "Run,Detached" as one string; a misspelt figure must fail before the slow set-up.
$Figure = @($Figure -split ',' | ForEach-Object Trim | Where-Object { $_ })
$known = 'Pull', 'Unpack', 'Run', 'Assembly', 'Detached', 'MonitorMemory', 'ImageList'
$unknown = @($Figure | Where-Object { $_ -notin $known })
if ($unknown) { throw "Unknown figure(s): $($unknown -join ', '). Figures: $($known -join ', ')" }
$RepoRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $RepoRoot 'tests/Pester/TestHarness.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'BenchHarness.psm1') -Force
Import-Module (Join-Path $RepoRoot 'PSContainer.psd1') -Force

# Monitor is the number of containers of each kind whose monitor is measured.
$Rounds = if ($Quick) { @{ Pull = 2; Unpack = 2; Run = 15; Assembly = 15; Detached = 2; Monitor = 5; Images = 5 } }
          else { @{ Pull = 3; Unpack = 3; Run = 50; Assembly = 50; Detached = 3; Monitor = 10; Images = 10 } }

function Write-Step([string]$Message) { Write-Host "==> $Message" }

# A persistent cache (bench/work, git-ignored) for the expensive fixtures; everything else is temporary.
$Cache = Join-Path $PSScriptRoot 'work'
$null = New-Item -ItemType Directory -Force -Path $Cache
$Temp = New-TestTempDirectory 'psc-bench'
$Results = [System.Collections.Generic.List[object]]::new()
# Figures that could not be measured: their rows say why, and the run fails after writing the table.
$Failures = [System.Collections.Generic.List[string]]::new()

function Add-Result([string]$Figure, [string]$Ours, [string]$Peers, [string]$Ratio) {
    $Results.Add([pscustomobject]@{ Figure = $Figure; PSContainer = $Ours; Peers = $Peers; Ratio = $Ratio })
}

#region podman, configured for this machine kind
# crun fails on cgroup v1 hybrid and the hard rlimits are low without CAP_SYS_RESOURCE: runc, explicit
# ulimits, and a storage root of its own so the benchmark never touches the machine's podman state.
$env:CONTAINERS_CONF = Join-Path $Temp 'containers.conf'
Set-Content -LiteralPath $env:CONTAINERS_CONF -Value @'
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
'@
$PodmanUlimits = '--ulimit', 'nproc=4096:4096', '--ulimit', 'nofile=16384:16384'
# New-TestStore points REGISTRY_AUTH_FILE at a file it does not create (our store's), and podman and skopeo
# refuse to start when that variable names a missing file. The peers get an empty auth file of their own.
$PeerAuthFile = Join-Path $Temp 'peer-auth.json'
Set-Content -LiteralPath $PeerAuthFile -Value '{"auths":{}}'
function Invoke-Peer {
    $saved = $env:REGISTRY_AUTH_FILE
    $env:REGISTRY_AUTH_FILE = $PeerAuthFile
    try { Invoke-Checked @args }
    finally { $env:REGISTRY_AUTH_FILE = $saved }
}
function Invoke-Podman {
    param([string]$Root)
    Invoke-Peer podman --root (Join-Path $Root 'root') --runroot (Join-Path $Root 'run') --storage-driver overlay @args
}
function New-PodmanRoot { New-TestTempDirectory 'psc-bench-podman' }
# The processes whose command line names a path under $Path: for a podman root, conmon and the
# `podman container cleanup` that conmon starts when a container exits; for our store, the psc-shims.
function Get-ProcessUnder([string]$Path) {
    $prefix = [regex]::Escape($Path.TrimEnd('/') + '/')
    foreach ($entry in Get-ChildItem -LiteralPath /proc -Directory -ErrorAction SilentlyContinue) {
        if ($entry.Name -notmatch '^\d+$') { continue }
        $cmdline = try { [IO.File]::ReadAllText("/proc/$($entry.Name)/cmdline") } catch { '' }
        if ($cmdline.Split([char]0) -match $prefix) { [int]$entry.Name }
    }
}
# Waits until no process names a path under $Path; returns those still there after $Seconds.
function Wait-ProcessUnder([string]$Path, [double]$Seconds = 10) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (($left = @(Get-ProcessUnder $Path)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
    $left
}
function Remove-PodmanRoot([string]$Root) {
    # `podman rm` returns while conmon's cleanup processes still run, and one of them mounts the overlay
    # driver's home again after we unmounted it: wait for them (killing stragglers), then unmount, then delete.
    # A figure that failed half-way may have left containers running: podman removes them first, since killing
    # their conmon would leave the containers' processes behind.
    if (Test-Path -LiteralPath (Join-Path $Root 'root/libpod')) {
        try { Invoke-Podman $Root rm -f -t 0 -a | Out-Null } catch { Write-Warning "podman rm -a in ${Root}: $_" }
    }
    $left = @(Wait-ProcessUnder $Root)
    foreach ($id in $left) { & kill -9 $id 2>$null }
    if ($left) { $null = Wait-ProcessUnder $Root }
    # podman leaves overlay mounts behind in its root (its home is bind-mounted onto itself); unmount before deleting.
    Get-Content /proc/self/mountinfo | ForEach-Object { ($_ -split ' ')[4] } | Where-Object { $_ -like "$Root/*" } |
        Sort-Object -Descending | ForEach-Object { & umount -l $_ 2>$null }
    Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue
    if (Test-Path -LiteralPath $Root) { Write-Warning "podman's root $Root could not be removed" }
}
#endregion

#region fixtures
function Get-LargeRootfs {
    # A Debian minbase from the configured apt mirror, cached as a directory; a tar of /usr otherwise.
    $rootfs = Join-Path $Cache 'minbase'
    if (Test-Path -LiteralPath (Join-Path $rootfs 'usr/bin')) { return @{ Path = $rootfs; Kind = 'debootstrap minbase (bookworm)' } }
    Write-Step 'Large image: debootstrap --variant=minbase bookworm (cached in bench/work)'
    $staging = "$rootfs.new"
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    & debootstrap --variant=minbase bookworm $staging http://deb.debian.org/debian *> (Join-Path $Cache 'debootstrap.log')
    if ($LASTEXITCODE -eq 0) {
        Move-Item -LiteralPath $staging -Destination $rootfs
        return @{ Path = $rootfs; Kind = 'debootstrap minbase (bookworm)' }
    }
    Write-Warning 'debootstrap failed (see bench/work/debootstrap.log); the large image is a copy of /usr instead'
    return @{ Path = '/usr'; Kind = 'copy of the host /usr' }
}

function New-LayoutFromDirectory([string]$Source, [string]$Name) {
    $layout = Join-Path $Cache "$Name-layout"
    if (Test-Path -LiteralPath (Join-Path $layout 'index.json')) { return "${layout}:latest" }
    $staging = "$layout.new"
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Checked umoci init --layout $staging | Out-Null
    Invoke-Checked umoci new --image "${staging}:latest" | Out-Null
    Invoke-Checked umoci insert --image "${staging}:latest" $Source / | Out-Null
    Invoke-Checked umoci config --image "${staging}:latest" --config.cmd /bin/sh | Out-Null
    Move-Item -LiteralPath $staging -Destination $layout
    "${layout}:latest"
}

function New-PythonLayout([string]$Name, [string[]]$Arguments) {
    $layout = Join-Path $Cache "$Name-layout"
    if (-not (Test-Path -LiteralPath (Join-Path $layout 'index.json'))) {
        Remove-Item -LiteralPath "$layout.new" -Recurse -Force -ErrorAction SilentlyContinue
        Invoke-Checked python3 (Join-Path $PSScriptRoot 'make_layout.py') $Arguments[0] "$layout.new" @($Arguments | Select-Object -Skip 1) | Out-Null
        Move-Item -LiteralPath "$layout.new" -Destination $layout
    }
    "${layout}:latest"
}

# A docker archive of $Count distinct small images (make_layout.py many), cached in bench/work.
function New-ManyImagesArchive([int]$Count) {
    $archive = Join-Path $Cache "many-$Count.tar"
    if (-not (Test-Path -LiteralPath $archive)) {
        Invoke-Checked python3 (Join-Path $PSScriptRoot 'make_layout.py') many "$archive.new" $Count | Out-Null
        Move-Item -LiteralPath "$archive.new" -Destination $archive
    }
    $archive
}

function Publish-Layout([string]$Layout, [string]$Repository) {
    Invoke-Peer skopeo copy --quiet --dest-tls-verify=false "oci:$Layout" "docker://$($Registry.HostPort)/${Repository}:latest" | Out-Null
    "$($Registry.HostPort)/${Repository}:latest"
}
#endregion

$Registry = $null
try {
    Write-Step 'Registry and images'
    # The containers.conf above must be the one podman reads: crun would fail here.
    $probeRoot = New-PodmanRoot
    try { $PodmanRuntime = (Invoke-Podman $probeRoot info --format '{{.Host.OCIRuntime.Name}}' | Select-Object -Last 1).Trim() }
    finally { Remove-PodmanRoot $probeRoot }
    if ($PodmanRuntime -ne 'runc') { throw "podman uses $PodmanRuntime, not runc, despite CONTAINERS_CONF=$env:CONTAINERS_CONF" }
    $Registry = Start-TestRegistry
    $large = Get-LargeRootfs
    $images = @{
        Busybox  = (New-BusyboxImage | Publish-TestImage -Registry $Registry -Repository bench/busybox).Reference
        Large    = Publish-Layout (New-LayoutFromDirectory $large.Path 'large') 'bench/large'
        Big      = Publish-Layout (New-PythonLayout 'big-layer' @('big')) 'bench/big'
        Layers1  = Publish-Layout (New-PythonLayout 'layers1' @('layers', '1')) 'bench/layers1'
        Layers100 = Publish-Layout (New-PythonLayout 'layers100' @('layers', '100')) 'bench/layers100'
    }

    . (Join-Path $PSScriptRoot 'Figures.ps1')
    foreach ($name in $Figure) { & "Measure-${name}Figure" }
}
finally {
    if ($Registry) { Stop-TestRegistry $Registry }
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:CONTAINERS_CONF -ErrorAction SilentlyContinue
}

#region report
$versions = [ordered]@{
    PSContainer = (Get-Module PSContainer).Version.ToString()
    pwsh        = $PSVersionTable.PSVersion.ToString()
    dotnet      = (& dotnet --version)
    podman      = ((& podman --version) -replace '^podman version ', '') + " (on $PodmanRuntime)"
    conmon      = ((& conmon --version | Select-Object -First 1) -replace '^conmon version ', '')
    runc        = ((& runc --version | Select-Object -First 1) -replace '^runc version ', '')
    skopeo      = ((& skopeo --version) -replace '^skopeo version ', '')
    umoci       = ((& umoci --version) -replace '^umoci version ', '')
}
$cgroup = if (Test-Path /sys/fs/cgroup/cgroup.controllers) { 'v2' } elseif (Test-Path /sys/fs/cgroup/unified) { 'v1 hybrid' } else { 'v1' }
$lines = @(
    "# PSContainer benchmarks$(if ($Quick) { ' (quick)' })"
    ''
    "Run on $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC$((Get-Date).ToString('zzz')) on $(hostname): $([Environment]::ProcessorCount) cores, $([Math]::Round((Get-Content /proc/meminfo | Select-Object -First 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)[1] / 1MB)) GiB, kernel $(uname -r), cgroups $cgroup."
    "Versions: $(($versions.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ')."
    "Large image: $($large.Kind). Each cell is the median of its rounds with the spread (min–max) and the number of rounds (for the monitor's memory, of containers); contenders alternate every round. A ratio below 1 means PSContainer is faster (or smaller)."
    ''
    '| figure | PSContainer | peer(s) in the same run | ratio |'
    '| --- | --- | --- | --- |'
)
foreach ($r in $Results) { $lines += "| $($r.Figure) | $($r.PSContainer) | $($r.Peers) | $($r.Ratio) |" }
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $ResultFile)
Set-Content -LiteralPath $ResultFile -Value $lines
Write-Host ''
$lines | ForEach-Object { Write-Host $_ }
Write-Host ''
Write-Host "Written to $ResultFile"
if ($Failures.Count) {
    throw "$($Failures.Count) figure(s) could not be measured:`n$($Failures -join "`n")"
}
#endregion
