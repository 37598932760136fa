# Stop-Container end to end: real containers that trap (or do not trap) their stop signal.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $base = New-BusyboxImage
    $busybox = ($base | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $usr1 = (New-TestImage -Name busybox-stopsignal -Base $base.Layout -StopSignal SIGUSR1 -Layer { param($RootFs) Set-Content (Join-Path $RootFs 'stop-signal') 'SIGUSR1' } |
        Publish-TestImage -Registry $registry -Repository test/stopsignal).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox, $usr1 -Quiet

    # A shell that says which signal ended it. It is PID 1: only signals it has a handler for reach it.
    $trapping = 'trap "echo got TERM; exit 42" TERM; trap "echo got USR1; exit 43" USR1; echo ready; while :; do sleep 0.1; done'
    function Start-Trapping([string]$Image = $busybox, [string]$Name) {
        $c = Start-Container $Image -Detach -Name $Name sh -c $trapping
        Wait-TestCondition { (Get-ContainerLog $c) -contains 'ready' } -Because 'the trap is set'
        $c
    }
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Stop-Container' {
    It 'sends SIGTERM, which the container handles, and returns once it has ended' {
        $c = Start-Trapping -Name term
        $stopped = Stop-Container term -PassThru
        $stopped.Status | Should -Be 'Exited'
        $stopped.ExitCode | Should -Be 42
        Get-ContainerLog term | Should -Contain 'got TERM'
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
        Test-Path "/proc/$($c.MonitorPid)" | Should -BeFalse
    }

    It "sends the image's StopSignal instead" {
        $null = Start-Trapping -Image $usr1 -Name usr1
        (Get-Container usr1).StopSignal | Should -Be 'SIGUSR1'
        (Stop-Container usr1 -PassThru).ExitCode | Should -Be 43
        Get-ContainerLog usr1 | Should -Contain 'got USR1'
    }

    It 'kills with SIGKILL after -Timeout when the signal does not end it' {
        # sleep as PID 1 has no handler for SIGTERM: the kernel drops it, as under docker.
        $c = Start-Container $busybox -Detach -Name stubborn sleep 600
        $stopped = $c | Stop-Container -Timeout 1 -PassThru
        $stopped.ExitCode | Should -Be 137
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
    }

    It '-Force kills at once, without the stop signal' {
        $null = Start-Trapping -Name forced
        (Stop-Container forced -Force -PassThru).ExitCode | Should -Be 137
        Get-ContainerLog forced | Should -Not -Contain 'got TERM'
    }

    It 'leaves a container that does not run as it is, and -WhatIf leaves a running one running' {
        $done = Start-Container $busybox -Name done sh -c 'exit 5' -PassThru
        (Stop-Container done -PassThru).ExitCode | Should -Be 5
        $c = Start-Container $busybox -Detach -Name whatif sleep 600
        Stop-Container whatif -WhatIf
        (Get-Container whatif).Status | Should -Be 'Running'
        Test-Path "/proc/$($c.Pid)" | Should -BeTrue
    }

    It 'stops everything Get-Container passes it' {
        $null = Start-Container $busybox -Detach -Name many-1 -Label @{ group = 'many' } sleep 600
        $null = Start-Container $busybox -Detach -Name many-2 -Label @{ group = 'many' } sleep 600
        Get-Container -Label group=many | Stop-Container -Force
        (Get-Container -All -Label group=many).Status | Should -Be @('Exited', 'Exited')
    }

    It 'says so for a container that does not exist' {
        $err = $null
        Stop-Container no-such-container -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^ContainerNotFound'
    }
}
