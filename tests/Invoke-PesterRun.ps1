<#
.SYNOPSIS
Runs the Pester suite and writes its counts to a JSON file for build.ps1.
.DESCRIPTION
build.ps1 starts this in a child pwsh, so each test run loads the freshly built binary module
into a process that has never seen an older copy of it (a loaded assembly cannot be unloaded).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$PesterModule,
    [Parameter(Mandatory)][string]$TestPath,
    [Parameter(Mandatory)][string]$ResultFile,
    [string[]]$ExcludeTag = @()
)

$ErrorActionPreference = 'Stop'
# Plain text when the output goes to a log rather than a terminal (CI).
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

Import-Module -Name $PesterModule -RequiredVersion 5.7.1

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
$result = Invoke-Pester -Configuration $config

# A test file that fails to load counts as one failure (its tests never ran and are in no
# counter). A failed BeforeAll already marks its tests failed; a block that failed only in
# AfterAll has no failed test, so count the block itself.
$blocksWithFailedTests = @($result.Failed | ForEach-Object {
    $block = $_.Block
    while ($block) { $block; $block = $block.Parent }
})
$blockOnlyFailures = @($result.FailedBlocks | Where-Object { $blocksWithFailedTests -notcontains $_ }).Count

$counts = [ordered]@{
    Passed = $result.PassedCount
    Failed = $result.FailedCount + $result.FailedContainersCount + $blockOnlyFailures
    NotRun = $result.SkippedCount + $result.NotRunCount + $result.InconclusiveCount
    # Named again at the end of build.ps1's output, where a CI log's tail still shows them.
    FailedNames = @($result.Failed | ForEach-Object { $_.ExpandedPath }) +
        @($result.FailedContainers | ForEach-Object { "file: $($_.Item)" }) +
        @($result.FailedBlocks | Where-Object { $blocksWithFailedTests -notcontains $_ } | ForEach-Object { "block: $($_.Path -join ' ')" })
}
Set-Content -LiteralPath $ResultFile -Value (ConvertTo-Json -InputObject $counts)
