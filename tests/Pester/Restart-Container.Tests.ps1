# Restart-Container end to end.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox -Quiet
    $script = 'trap "echo stopping; exit 0" TERM; echo starting; while :; do sleep 0.1; done'
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Restart-Container' {
    It 'stops a running container with its stop signal and starts it again, keeping its changes and log' {
        $c = Start-Container $busybox -Detach -Name again sh -c "test -e /ran && echo second-run; touch /ran; $script"
        Wait-TestCondition { (Get-ContainerLog again) -contains 'starting' }
        $restarted = Restart-Container again -Timeout 5 -PassThru
        $restarted.Status | Should -Be 'Running'
        $restarted.Pid | Should -Not -Be $c.Pid
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
        Wait-TestCondition { (Get-ContainerLog again) -contains 'second-run' } -Because 'the file written by the first run is still there'
        Get-ContainerLog again | Select-Object -First 2 | Should -Be @('starting', 'stopping')
    }

    It 'starts a container that is not running' {
        $null = New-Container $busybox -Name idle sleep 600
        (Restart-Container idle -PassThru).Status | Should -Be 'Running'
    }

    It 'does not let a -Remove container be removed between the stop and the start' {
        $c = Start-Container $busybox -Detach -Remove -Name keeper sh -c $script
        Wait-TestCondition { (Get-ContainerLog keeper) -contains 'starting' }
        $restarted = Restart-Container keeper -PassThru
        $restarted.Status | Should -Be 'Running'
        # The first run's monitor decides about the removal once the restart lets go of the lock: let it finish.
        Wait-TestCondition { -not (Test-Path "/proc/$($c.MonitorPid)") } -Because "the first run's monitor exits"
        (Get-Container keeper).Status | Should -Be 'Running'
        Test-Path $c.Directory | Should -BeTrue
        Wait-TestCondition { @(Get-ContainerLog keeper | Where-Object { $_ -eq 'starting' }).Count -eq 2 } -Because 'the second run has set its trap'
        Stop-Container keeper
        Wait-TestCondition { -not (Test-Path $c.Directory) } -Because 'once it exits for good, it is removed'
    }

    It '-WhatIf restarts nothing' {
        $before = Get-Container idle
        Restart-Container idle -WhatIf
        (Get-Container idle).Pid | Should -Be $before.Pid
    }
}
