# ContainerJobs.psm1: long-running containers for the tests of cmdlets that act on a running container
# (Invoke-ContainerCommand, Suspend-Container, Resume-Container, Get-ContainerProcess). Unlike
# TestHarness.psm1 this uses PSContainer itself: Start-Container runs attached in a thread job, and the
# container is found and killed through the engine.

Set-StrictMode -Version Latest

function Start-TestContainerJob {
    <#
    .SYNOPSIS
    Starts `Start-Container <Image> -Name <Name> @Parameters <Command>` in a thread job and returns once the
    container runs: Name, Job, Container (as it was then).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Image,
        [Parameter(Mandatory)][string]$Name,
        [string[]]$Command = @('sleep', '600'),
        [hashtable]$Parameters = @{},
        [int]$TimeoutSeconds = 30
    )

    $module = (Get-Module PSContainer).Path
    $job = Start-ThreadJob -ScriptBlock {
        param($Module, $Image, $Name, $Command, $Parameters)
        Import-Module $Module
        Start-Container $Image -Name $Name @Parameters -ArgumentList $Command
    } -ArgumentList $module, $Image, $Name, $Command, $Parameters
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $container = [PSContainer.Runtime.ContainerEngine]::ForRoot().Containers.Find($Name)
        if ($container -and $container.Status -eq 'Running') { break }
        if ($job.State -in 'Completed', 'Failed', 'Stopped' -or [DateTime]::UtcNow -gt $deadline) {
            $output = $job | Receive-Job -ErrorAction Continue 2>&1
            $job | Remove-Job -Force
            throw "container $Name did not start: $($output -join "`n")"
        }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Name = $Name; Job = $job; Container = $container }
}

function Stop-TestContainerJob {
    <#
    .SYNOPSIS
    Kills the container of a Start-TestContainerJob (thawing it first if it is frozen) and removes the job;
    returns what the container wrote.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)]$TestContainer)

    process {
        $engine = [PSContainer.Runtime.ContainerEngine]::ForRoot()
        $container = $engine.Containers.Find($TestContainer.Name)
        if ($container -and $container.Status -eq 'Running') {
            if ($engine.Cgroups.IsPaused($container)) { $engine.Cgroups.Resume($container) }
            Stop-Process -Id $container.Pid -Force -ErrorAction SilentlyContinue
        }
        $null = $TestContainer.Job | Wait-Job -Timeout 30
        $TestContainer.Job | Receive-Job -ErrorAction SilentlyContinue 2>$null
        $TestContainer.Job | Remove-Job -Force
    }
}

Export-ModuleMember -Function Start-TestContainerJob, Stop-TestContainerJob
