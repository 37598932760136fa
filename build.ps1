#Requires -Version 7.4
<#
.SYNOPSIS
One entry point for people and CI.
.DESCRIPTION
  Build  lays out out/module: PSContainer.dll, its dependencies, psc-shim and the formats file.
  Test   Build, then xunit (tests/Unit) and Pester (tests/Pester); the last line is "N passed, M failed".
  Demo   Build, then demo/Invoke-Demo.ps1: `docker run hello-world`, offline, with PSContainer.
  Bench  Not built yet.
  Clean  Removes out/ and every bin/ and obj/.
Run it as `dotnet pwsh ./build.ps1 <Task>` after `dotnet tool restore`.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Clean')]
    [string]$Task = 'Build',

    # Test: leave out tests tagged Slow (Pester -Tag Slow, xunit [Trait("Category", "Slow")]).
    [switch]$Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Plain text when the output goes to a log rather than a terminal (CI).
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleDir = Join-Path $OutDir 'module'
$Prerequisites = 'docker-registry', 'skopeo', 'umoci', 'busybox-static', 'gcc', 'libc6-dev', 'clang', 'zlib1g-dev', 'jq',
    'podman', 'buildah', 'runc', 'python3'

# Generous but bounded: CI gives a run 90 minutes and a stuck test must not eat them.
$UnitTimeout = [TimeSpan]::FromMinutes(8)
$PesterTimeout = [TimeSpan]::FromMinutes(12)

function Write-Step([string]$Message) {
    Write-Host "==> $Message"
}

# Runs a native command with output going straight to the console; throws if it fails.
function Invoke-Native {
    $exe = $args[0]
    $rest = @($args | Select-Object -Skip 1 | ForEach-Object { $_ })
    & $exe @rest
    if ($LASTEXITCODE -ne 0) {
        throw "'$exe $($rest -join ' ')' failed with exit code $LASTEXITCODE"
    }
}

# Starts a child process on this console and waits at most $Timeout; returns its exit code, or
# $null if it had to be killed. The children share the console so their output streams live.
function Invoke-Child {
    param([string]$FilePath, [string[]]$ArgumentList, [TimeSpan]$Timeout)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $startInfo.ArgumentList.Add($a) }
    $startInfo.WorkingDirectory = $RepoRoot
    $startInfo.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($startInfo)
    if (-not $process.WaitForExit([int]$Timeout.TotalMilliseconds)) {
        Write-Host "$FilePath $($ArgumentList -join ' ') ran longer than $Timeout; killing it."
        $process.Kill($true)
        $process.WaitForExit()
        return $null
    }
    $process.ExitCode
}

function Install-Prerequisites {
    $missing = @($Prerequisites | Where-Object {
        & dpkg -s $_ *> $null
        $LASTEXITCODE -ne 0
    })
    if ($missing.Count -eq 0) {
        Write-Step "Prerequisites: nothing to install ($($Prerequisites -join ', ') present)"
        return
    }
    Write-Step "Installing: $($missing -join ', ')"
    if ((& id -u) -ne '0') {
        throw "Installing Debian packages needs root; run as root or install them first: $($missing -join ' ')"
    }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get update -qq
    Invoke-Native apt-get install -y -qq $missing
}

function Invoke-Build {
    Write-Step 'Build: out/module'
    $quiet = '-v:q', '-nologo'
    # A RID-specific publish flattens runtime-specific assets (Tmds.LibC ships only under
    # runtimes/linux-*/) into the folder: pwsh loads a binary module's dependencies from its own
    # directory and never reads PSContainer.deps.json.
    Invoke-Native dotnet publish (Join-Path $RepoRoot 'src/PSContainer/PSContainer.csproj') -c Release -r linux-x64 --self-contained false -o $ModuleDir $quiet

    # psc-shim is NativeAOT (its own publish), and must sit next to PSContainer.Runtime.dll.
    Write-Step 'Build: psc-shim (NativeAOT)'
    $shimProject = Join-Path $RepoRoot 'src/PSContainer.Shim/PSContainer.Shim.csproj'
    Invoke-Native dotnet publish $shimProject -c Release -o (Join-Path $OutDir 'shim') $quiet
    Copy-Item -LiteralPath (Join-Path $OutDir 'shim/psc-shim') -Destination $ModuleDir -Force
}

# xunit through dotnet test; counts come from the TRX file, not from console text.
function Invoke-UnitTests {
    Write-Step 'Test: xunit (tests/Unit)'
    $results = Join-Path $OutDir 'test-results'
    $trx = Join-Path $results 'unit.trx'
    Remove-Item -LiteralPath $trx -Force -ErrorAction SilentlyContinue
    $testArgs = @('test', (Join-Path $RepoRoot 'tests/Unit'), '-c', 'Release', '-v:q', '-nologo',
        '--logger', 'trx;LogFileName=unit.trx', '--logger', 'console;verbosity=normal', '--results-directory', $results)
    if ($Quick) { $testArgs += @('--filter', 'Category!=Slow') }
    $exitCode = Invoke-Child -FilePath dotnet -ArgumentList $testArgs -Timeout $UnitTimeout

    if (-not (Test-Path -LiteralPath $trx)) {
        return [pscustomobject]@{ Runner = 'xunit'; Passed = 0; Failed = 0; NotRun = 0; Error = 'dotnet test wrote no TRX file (build failure, crash or timeout)' }
    }
    $counters = ([xml](Get-Content -LiteralPath $trx -Raw)).TestRun.ResultSummary.Counters
    $passed = [int]$counters.passed
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    $problem = $null
    # A non-zero exit with no failed test means the run itself broke (testhost crash, timeout).
    if ($exitCode -ne 0 -and $failed -eq 0) { $problem = "dotnet test exited with $exitCode but reported no failed test" }
    [pscustomobject]@{
        Runner = 'xunit'; Passed = $passed; Failed = $failed
        # Skipped tests are in total but in no other counter.
        NotRun = [Math]::Max(0, [int]$counters.total - $passed - $failed)
        Error  = $problem
    }
}

# Pester in a child pwsh so the freshly built binary module is loaded into a fresh process.
function Invoke-PesterTests {
    Write-Step 'Test: Pester (tests/Pester)'
    Invoke-Native dotnet restore (Join-Path $RepoRoot 'tests/Pester/Pester.Restore.csproj') '-v:q' -nologo
    $globalPackages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Join-Path $globalPackages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path -LiteralPath $pester)) { throw "Pester 5.7.1 not found at $pester after restore" }

    $resultFile = Join-Path $OutDir 'test-results/pester.json'
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $resultFile)
    Remove-Item -LiteralPath $resultFile -Force -ErrorAction SilentlyContinue
    $childArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tests/Invoke-PesterRun.ps1'),
        '-PesterModule', $pester, '-TestPath', (Join-Path $RepoRoot 'tests/Pester'), '-ResultFile', $resultFile)
    if ($Quick) { $childArgs += @('-ExcludeTag', 'Slow') }
    $exitCode = Invoke-Child -FilePath dotnet -ArgumentList $childArgs -Timeout $PesterTimeout

    if (-not (Test-Path -LiteralPath $resultFile)) {
        $why = if ($null -eq $exitCode) { 'it timed out' } else { "it exited with $exitCode" }
        return [pscustomobject]@{ Runner = 'Pester'; Passed = 0; Failed = 0; NotRun = 0; Error = "Pester wrote no result file ($why)" }
    }
    $counts = Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json
    [pscustomobject]@{ Runner = 'Pester'; Passed = $counts.Passed; Failed = $counts.Failed; NotRun = $counts.NotRun; Error = $null }
}

function Invoke-Test {
    Install-Prerequisites
    Invoke-Build
    $env:PSCONTAINER_SHIM = Join-Path $ModuleDir 'psc-shim'
    # One image cache for the whole run, shared by every test file, gone afterwards.
    $env:PSCONTAINER_TEST_CACHE = Join-Path ([IO.Path]::GetTempPath()) "psc-test-cache-$PID"
    try {
        $runs = @(Invoke-UnitTests; Invoke-PesterTests)
    }
    finally {
        Remove-Item -LiteralPath $env:PSCONTAINER_TEST_CACHE -Recurse -Force -ErrorAction SilentlyContinue
    }

    Write-Host ''
    foreach ($run in $runs) {
        $line = '{0,-7} passed {1}, failed {2}, not run {3}' -f $run.Runner, $run.Passed, $run.Failed, $run.NotRun
        if ($run.Error) { $line += " -- RUNNER ERROR: $($run.Error)" }
        Write-Host $line
    }
    $passed = ($runs | Measure-Object Passed -Sum).Sum
    # A runner that broke counts as one failure, so the summary line never reads "0 failed" then.
    $broken = @($runs | Where-Object Error).Count
    $failed = ($runs | Measure-Object Failed -Sum).Sum + $broken
    $notRun = ($runs | Measure-Object NotRun -Sum).Sum
    if ($notRun -gt 0) { Write-Host "$notRun test(s) skipped or not run (not counted as passed)" }
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Install-Prerequisites
    Invoke-Build
    # The demo throws on failure, which ends this script with a non-zero exit code.
    & (Join-Path $RepoRoot 'demo/Invoke-Demo.ps1')
}

function Invoke-Bench {
    Write-Host 'Benchmarks are not built yet (bench/ is still to come).'
}

function Invoke-Clean {
    Remove-Item -LiteralPath $OutDir -Recurse -Force -ErrorAction SilentlyContinue
    Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'src'), (Join-Path $RepoRoot 'tests') -Directory -Recurse -Include bin, obj |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    Write-Step 'Clean: removed out/, bin/ and obj/'
}

Push-Location $RepoRoot
try {
    switch ($Task) {
        'Build' { Install-Prerequisites; Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
        'Clean' { Invoke-Clean }
    }
}
finally {
    Pop-Location
}
