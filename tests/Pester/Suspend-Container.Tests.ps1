# Suspend-Container (docker pause): the container's processes stop being scheduled until Resume-Container.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ContainerJobs.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $busybox
    # A counter the container writes every 50 ms: it only moves while the container is scheduled.
    $counter = Start-TestContainerJob -Image $busybox -Name counter -Command sh, -c, 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done'
    $engine = [PSContainer.Runtime.ContainerEngine]::ForRoot()
    function Get-Count { [int](Get-Content -LiteralPath (Join-Path $counter.Container.Directory 'upper/count') -ErrorAction SilentlyContinue) }
}

AfterAll {
    if ($counter) { $counter | Stop-TestContainerJob }
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Suspend-Container' {
    AfterEach { $engine.Cgroups.Resume($engine.Containers.Get('counter')) }

    It 'freezes every process of the container until it is resumed' {
        Suspend-Container counter
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeTrue
        $frozenAt = Get-Count
        Start-Sleep -Milliseconds 400
        Get-Count | Should -Be $frozenAt
        (Get-ContainerProcess counter).State | Sort-Object -Unique | Should -Be 'D' -Because 'frozen tasks are reported as D'
    }

    It 'takes containers from the pipeline and writes them with -PassThru' {
        $result = $engine.Containers.Get('counter') | Suspend-Container -PassThru
        $result.Name | Should -Be 'counter'
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeTrue
    }

    It 'matches wildcards, and changes nothing with -WhatIf' {
        Suspend-Container count* -WhatIf
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeFalse
        Suspend-Container count*
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeTrue
    }

    It 'refuses a command in a paused container instead of hanging' {
        Suspend-Container counter
        { Invoke-ContainerCommand counter true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerPaused,*'
    }

    It 'shows a paused container as Paused in Get-Container, and docker ps''s "(Paused)"' {
        Suspend-Container counter
        $container = Get-Container counter
        $container.Status | Should -Be 'Paused'
        (Get-Container).Name | Should -Contain 'counter' -Because 'docker ps lists paused containers too'
        ($container | Format-Table | Out-String -Width 400) | Should -Match 'Up .+ \(Paused\)'
    }

    It 'lets Stop-Container and Remove-Container -Force end a paused container' {
        Start-Container $busybox -Detach -Name frozen sleep 1000 | Suspend-Container
        (Get-Container frozen).Status | Should -Be 'Paused'
        Stop-Container frozen -Timeout 1
        $stopped = Get-Container frozen
        $stopped.Status | Should -Be 'Exited'
        $stopped.ExitCode | Should -Be 137 -Because 'sleep as PID 1 ignores SIGTERM; the SIGKILL reaches it once thawed'

        Start-Container $busybox -Detach -Name frozen2 sleep 1000 | Suspend-Container
        Remove-Container frozen2 -Force
        Get-Container -All -Name frozen2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports containers that do not exist or do not run' {
        Start-Container $busybox -Name done true
        $err = $null
        Suspend-Container no-such-container, done -ErrorVariable err -ErrorAction SilentlyContinue
        $err.FullyQualifiedErrorId | Should -Be @('ContainerNotFound,PSContainer.Commands.Cmdlets.SuspendContainerCommand', 'ContainerNotRunning,PSContainer.Commands.Cmdlets.SuspendContainerCommand')
    }
}
