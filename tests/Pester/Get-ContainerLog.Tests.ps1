# Get-ContainerLog end to end: what real containers wrote, attached and detached, read back from their logs.

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

Describe 'Get-ContainerLog' {
    It 'keeps stdout and stderr apart: stdout on the output stream, stderr like a native command' {
        $c = Start-Container $busybox -Detach -Name streams sh -c 'echo out1; echo err1 >&2; echo out2'
        $null = Wait-Container $c
        $ErrorActionPreference = 'Stop'
        Get-ContainerLog streams 2>$null | Should -Be @('out1', 'out2')
        $all = Get-ContainerLog streams 2>&1
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Exception.Message | Should -Be @('err1')
        ($all | Where-Object { $_ -is [string] }) | Should -Be @('out1', 'out2')
    }

    It 'writes LogEntry objects with -AsObject, in the order the lines were read' {
        $entries = Get-ContainerLog streams -AsObject
        $entries | ForEach-Object { $_ | Should -BeOfType 'PSContainer.Runtime.Logs.LogEntry' }
        ($entries | Where-Object Stream -eq Stdout).Line | Should -Be @('out1', 'out2')
        ($entries | Where-Object Stream -eq Stderr).Line | Should -Be @('err1')
        $entries | ForEach-Object { $_.Time | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(-5)) }
    }

    It 'logs attached runs too, every run of a container after the other' {
        $null = Start-Container $busybox -Name twice sh -c 'echo run; exit 0'
        Start-Container -Name twice -Attach | Should -Be 'run'
        Get-ContainerLog twice | Should -Be @('run', 'run')
    }

    It 'keeps the last lines with -Tail, a time window with -Since and -Until, and prefixes times with -Timestamps' {
        $c = Start-Container $busybox -Detach -Name counted sh -c 'for i in 1 2 3 4 5; do echo line$i; done'
        $null = Wait-Container $c
        Get-ContainerLog counted -Tail 2 | Should -Be @('line4', 'line5')
        Get-ContainerLog counted -Tail 0 | Should -BeNullOrEmpty
        Get-ContainerLog counted -Since (Get-Date).AddMinutes(5) | Should -BeNullOrEmpty
        Get-ContainerLog counted -Since (Get-Date).AddMinutes(-5) | Should -HaveCount 5
        Get-ContainerLog counted -Until (Get-Date).AddMinutes(-5) | Should -BeNullOrEmpty
        $stamped = Get-ContainerLog counted -Timestamps -Tail 1
        $stamped | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z line5$'
    }

    It '-Follow writes lines as they come and ends when the container exits' {
        $c = Start-Container $busybox -Detach -Name followed sh -c 'trap "echo last; exit 0" TERM; echo first; while :; do sleep 0.1; done'
        $job = Start-ThreadJob { Import-Module $using:module; Get-ContainerLog followed -Follow }
        $seen = [System.Collections.Generic.List[object]]::new()
        Wait-TestCondition { $seen.AddRange(@($job | Receive-Job)); $seen -contains 'first' } -Because 'the first line is followed'
        $job.State | Should -Be 'Running' -Because 'the container still runs'
        Stop-Container followed
        $job | Wait-Job -Timeout 60 | Should -Not -BeNullOrEmpty -Because 'following ends with the container'
        $seen.AddRange(@($job | Receive-Job))
        $seen | Should -Be @('first', 'last')
    }

    It 'stops following when the pipeline has what it wants' {
        $c = Start-Container $busybox -Detach -Name chatty sh -c 'while :; do echo more; sleep 0.05; done'
        Get-ContainerLog chatty -Follow | Select-Object -First 3 | Should -Be @('more', 'more', 'more')
        (Get-Container chatty).Status | Should -Be 'Running' -Because 'reading its log does not touch the container'
    }

    It 'follows a container that has already exited to the end of its log, and stops' {
        Get-ContainerLog counted -Follow | Should -HaveCount 5
    }

    It 'has nothing for a container that never ran' {
        $null = New-Container $busybox -Name never true
        Get-ContainerLog never | Should -BeNullOrEmpty
        Get-ContainerLog never -Follow | Should -BeNullOrEmpty
    }
}
