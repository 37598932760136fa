# Wait-Container end to end: exit codes of real containers, waited for from this and other threads.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox -Quiet
    $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
}

AfterAll {
    Get-Job | Remove-Job -Force -ErrorAction SilentlyContinue
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Wait-Container' {
    It 'returns the exit code, non-zero ones included, without an error' {
        $c = Start-Container $busybox -Detach sh -c 'exit 7'
        $err = $null
        $code = $c | Wait-Container -ErrorVariable err
        $code | Should -Be 7
        $code | Should -BeOfType [int]
        $err | Should -BeNullOrEmpty
    }

    It 'waits for a running container to end, and gives 128+n for a signal' {
        $c = Start-Container $busybox -Detach -Name long sleep 600
        $job = Start-ThreadJob { Import-Module $using:module; Wait-Container long }
        Wait-TestCondition { Get-TestFileLock (Join-Path $c.Directory 'waiters.lock') } -Because 'the waiter holds its lock'
        $job.State | Should -Be 'Running'
        Stop-Container long -Force
        $job | Wait-Job -Timeout 60 | Receive-Job | Should -Be 137
    }

    It 'gives the exit code of a -Remove container that ends while it waits, and the container goes afterwards' {
        $c = Start-Container $busybox -Detach -Remove -Name gone-after sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done'
        Wait-TestCondition { (Get-ContainerLog gone-after) -contains 'ready' } -Because 'the trap is set'
        $job = Start-ThreadJob { Import-Module $using:module; Wait-Container gone-after }
        Wait-TestCondition { Get-TestFileLock (Join-Path $c.Directory 'waiters.lock') } -Because 'the waiter holds its lock'
        Stop-Container gone-after
        $job | Wait-Job -Timeout 60 | Receive-Job | Should -Be 9
        Wait-TestCondition { -not (Test-Path $c.Directory) } -Because 'its monitor removes it once the waiter has read the code'
        Get-Container -All gone-after -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'waits for several, in the order given' {
        $a = Start-Container $busybox -Name first sh -c 'exit 1' -PassThru
        $b = Start-Container $busybox -Name second sh -c 'exit 2' -PassThru
        Wait-Container second, first | Should -Be @(2, 1)
        $a, $b | Wait-Container | Should -Be @(1, 2)
    }

    It 'waits for a created container until it has been started and has ended' {
        $c = New-Container $busybox -Name later sh -c 'exit 4'
        $job = Start-ThreadJob { Import-Module $using:module; Wait-Container later }
        Start-Sleep -Milliseconds 300
        $job.State | Should -Be 'Running' -Because 'nothing has run yet'
        Start-Container -Name later
        $job | Wait-Job -Timeout 60 | Receive-Job | Should -Be 4
    }
}
