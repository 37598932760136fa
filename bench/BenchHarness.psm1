# BenchHarness.psm1: timing that survives a noisy, shared machine.
#
# Every figure is a ratio against a peer measured in the same run. Contenders run in alternating
# order, round after round, so drift in machine load hits them alike; each figure reports the median
# and the spread (min..max) of its rounds, never a single run.

Set-StrictMode -Version Latest

function Measure-Alternating {
    <#
    .SYNOPSIS
    Times each contender -Rounds times, alternating their order every round.
    .PARAMETER Contender
    An ordered dictionary: name -> @{ Setup = {…}; Run = {…}; Verify = {…} }. Setup (optional) runs before
    each timed Run and is not timed (a fresh store, an empty cache). Run is timed with a Stopwatch. Verify
    (optional) runs after each Run, untimed, with Run's output as its argument, and throws if the run did not
    do its work: a contender that silently did nothing would look fast.
    .OUTPUTS
    One object per contender: Name, Seconds (all rounds), Median, Min, Max.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.Specialized.OrderedDictionary]$Contender,
        [int]$Rounds = 5,
        [int]$Warmup = 0
    )
    $names = @($Contender.Keys)
    $times = @{}
    foreach ($name in $names) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
    for ($round = -$Warmup; $round -lt $Rounds; $round++) {
        # Rotate the order: round r starts with contender r mod n.
        $offset = [Math]::Abs($round) % $names.Count
        $order = @($names[$offset..($names.Count - 1)]) + @(if ($offset -gt 0) { $names[0..($offset - 1)] })
        foreach ($name in $order) {
            $entry = $Contender[$name]
            if ($entry.ContainsKey('Setup') -and $entry.Setup) { $null = & $entry.Setup }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $output = & $entry.Run
            $watch.Stop()
            if ($entry.ContainsKey('Verify') -and $entry.Verify) { $null = & $entry.Verify $output }
            if ($round -ge 0) { $times[$name].Add($watch.Elapsed.TotalSeconds) }
        }
    }
    foreach ($name in $names) {
        Get-BenchStatistic -Name $name -Seconds $times[$name]
    }
}

function Invoke-UntilJitIdle {
    <#
    .SYNOPSIS
    Runs -Action in blocks of -Block until two blocks in a row each make the JIT compile fewer than -Quiet methods,
    or -MaxRuns runs are done; returns the number of runs.
    .DESCRIPTION
    A warm session, for code that runs inside this pwsh. .NET's tiered compilation with dynamic PGO compiles a method
    up to three times (tier 0, instrumented, tier 1) as it gets hot, in the background: on a machine with two cores
    that JIT work competes with every run until it has settled (measured here: 700-1600 methods compiled per 40
    runs of Start-Container until about the 250th run, then under 40). It comes in bursts, so one quiet block is not
    enough. Contenders that start a process per run (podman, runc) have no JIT and need no such warm-up.
    #>
    param([Parameter(Mandatory)][scriptblock]$Action, [int]$Block = 40, [int]$Quiet = 40, [int]$MaxRuns = 800)
    $runs = 0
    $quietBlocks = 0
    while ($runs -lt $MaxRuns -and $quietBlocks -lt 2) {
        $before = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
        for ($i = 0; $i -lt $Block; $i++) { $null = & $Action }
        $runs += $Block
        $quietBlocks = if ([System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $before -lt $Quiet) { $quietBlocks + 1 } else { 0 }
    }
    $runs
}

# The median and spread of a contender's samples: seconds from Measure-Alternating, or any other quantity
# (bytes for the memory figure). Seconds is the samples, sorted, whatever their unit.
function Get-BenchStatistic {
    param([string]$Name, [double[]]$Seconds)
    $sorted = @($Seconds | Sort-Object)
    $n = $sorted.Count
    $median = if ($n -eq 0) { [double]::NaN } elseif ($n % 2) { $sorted[[int][Math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{
        PSTypeName = 'PSContainer.BenchStatistic'
        Name       = $Name
        Seconds    = $sorted
        Median     = $median
        Min        = if ($n) { $sorted[0] } else { [double]::NaN }
        Max        = if ($n) { $sorted[-1] } else { [double]::NaN }
    }
}

function Format-Duration {
    param([double]$Seconds)
    if ($Seconds -ge 10) { return '{0:0.0} s' -f $Seconds }
    if ($Seconds -ge 1) { return '{0:0.00} s' -f $Seconds }
    if ($Seconds -ge 0.001) { return '{0:0.0} ms' -f ($Seconds * 1000) }
    '{0:0} µs' -f ($Seconds * 1000000)
}

function Format-Size {
    param([double]$Bytes)
    '{0:0.0} MiB' -f ($Bytes / 1MB)
}

# A statistic that holds no sample means a contender or a name was lost on the way: that is a bug in the
# figure, and it must fail the figure rather than print "n/a" in the table.
function Assert-Statistic {
    param($Statistic, [string]$What)
    if (-not $Statistic -or [double]::IsNaN($Statistic.Median)) { throw "no measurement for $What" }
}

# "1.23 s (1.10 s–1.40 s, n=5)": the median and the spread of the rounds. -Unit Bytes for sizes.
function Format-Statistic {
    param($Statistic, [ValidateSet('Seconds', 'Bytes')][string]$Unit = 'Seconds')
    Assert-Statistic $Statistic 'a table cell'
    $format = if ($Unit -eq 'Bytes') { 'Format-Size' } else { 'Format-Duration' }
    '{0} ({1}–{2}, n={3})' -f (& $format $Statistic.Median), (& $format $Statistic.Min), (& $format $Statistic.Max), $Statistic.Seconds.Count
}

# The ratio of the medians: two decimals from 1 up, three significant digits below, so that a figure far
# below 1 still shows (0.00362x, not 0.00x).
function Format-Ratio {
    param($Ours, $Peer)
    Assert-Statistic $Ours 'the numerator of a ratio'
    Assert-Statistic $Peer 'the denominator of a ratio'
    if ($Peer.Median -le 0 -or $Ours.Median -le 0) { throw "a median of $($Ours.Median) against $($Peer.Median): no ratio" }
    $ratio = $Ours.Median / $Peer.Median
    $decimals = [Math]::Max(2, 2 - [int][Math]::Floor([Math]::Log10($ratio)))
    $ratio.ToString('F' + $decimals, [Globalization.CultureInfo]::InvariantCulture) + 'x'
}

# Runs a native command, throwing with its output when it fails (a broken peer must not look fast).
function Invoke-Checked {
    $file = $args[0]
    $rest = @($args | Select-Object -Skip 1 | ForEach-Object { $_ })
    $output = & $file @rest 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$file $($rest -join ' ') failed ($LASTEXITCODE): $($output -join "`n")" }
    $output
}

# Resident memory of a process in bytes (VmRSS from /proc).
function Get-ProcessRss {
    param([int]$ProcessId)
    $line = Get-Content -LiteralPath "/proc/$ProcessId/status" | Where-Object { $_ -like 'VmRSS:*' }
    [long](($line -split '\s+')[1]) * 1KB
}

Export-ModuleMember -Function Measure-Alternating, Invoke-UntilJitIdle, Get-BenchStatistic, Format-Duration, Format-Size, Format-Statistic, Format-Ratio, Invoke-Checked, Get-ProcessRss
