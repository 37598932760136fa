# Get-Container end to end: real containers; the state comes from disk and /proc, never from this session.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox -Quiet

    $null = Start-Container $busybox -Name ok-run -Label @{ tier = 'web'; team = 'a' } true
    $null = Start-Container $busybox -Name failed-run -Label @{ tier = 'db' } sh -c 'exit 3'
    $created = New-Container $busybox -Name just-created true
    $running = Start-Container $busybox -Detach -Name up-run -Label @{ tier = 'web' } sleep 600
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-Container' {
    It 'lists running containers by default and every one with -All, newest first' {
        (Get-Container).Name | Should -Be @('up-run')
        (Get-Container -All).Name | Should -Be @('up-run', 'just-created', 'failed-run', 'ok-run')
    }

    It 'carries the state, exit code, pid, times and command of each' {
        $up = Get-Container up-run
        $up.Status | Should -Be 'Running'
        $up.Pid | Should -BeGreaterThan 0
        (Get-Content "/proc/$($up.Pid)/cmdline" -Raw) -replace "`0", ' ' | Should -Match '^sleep 600'
        $up.MonitorPid | Should -BeGreaterThan 0
        $up.StartedAt | Should -BeGreaterThan $up.Created.AddSeconds(-1)
        $up.ExitCode | Should -Be 0 -Because 'docker says 0 until it has exited'
        $up.Command | Should -Be @('sleep', '600')

        $failed = Get-Container failed-run
        $failed.Status | Should -Be 'Exited'
        $failed.ExitCode | Should -Be 3
        $failed.Pid | Should -BeNullOrEmpty
        $failed.FinishedAt | Should -BeGreaterOrEqual $failed.StartedAt

        (Get-Container just-created).Status | Should -Be 'Created'
    }

    It 'filters by status, name pattern, image and label' {
        (Get-Container -Status Exited).Name | Should -Be @('failed-run', 'ok-run')
        (Get-Container -Status Created, Running).Name | Should -Be @('up-run', 'just-created')
        (Get-Container -All -Name '*-run').Name | Should -Be @('up-run', 'failed-run', 'ok-run')
        (Get-Container -Name '*-run').Name | Should -Be @('up-run') -Because 'a pattern lists running containers unless -All'
        (Get-Container -All -Label tier=web).Name | Should -Be @('up-run', 'ok-run')
        (Get-Container -All -Label tier=web, team=a).Name | Should -Be @('ok-run')
        (Get-Container -All -Label team).Name | Should -Be @('ok-run')
        (Get-Container -All -Image $busybox).Count | Should -Be 4
        (Get-Container -All -Image 'nothing-like-it*') | Should -BeNullOrEmpty
        (Get-Container -All -Image ($created.ImageId -replace '^sha256:', '').Substring(0, 12)).Count | Should -Be 4
    }

    It 'finds a container by exact name, id or id prefix whatever its state, and says when there is none' {
        (Get-Container failed-run).Name | Should -Be 'failed-run'
        (Get-Container $created.Id).Name | Should -Be 'just-created'
        (Get-Container $created.Id.Substring(0, 10)).Name | Should -Be 'just-created'
        $err = $null
        Get-Container no-such-container -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ContainerNotFound'
    }

    It 'completes container names, from the local store, for the cmdlets that take them' {
        foreach ($line in 'Stop-Container up-', 'Get-Container -Name up-', 'Remove-Container -Name up-') {
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('up-run')
        }
        $line = 'Get-ContainerLog ok'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('ok-run')
    }

    It 'shows an exited container whose monitor was killed as exited, and the store stays usable' {
        $victim = Start-Container $busybox -Detach -Name victim sleep 600
        & kill -9 $victim.MonitorPid
        Wait-TestCondition { (Get-Container -All victim).Status -eq 'Exited' } -Because 'the container dies with its monitor'
        $after = Get-Container victim
        $after.ExitCode | Should -Be 137
        $after.Error | Should -Match 'monitor'
        Wait-TestCondition { -not (Test-Path "/proc/$($victim.Pid)") } -Because 'PDEATHSIG killed it'
        Remove-Container victim
        Get-Container -All victim -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'lets the pipeline remove the failed ones: Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container' {
        Get-Container -All | Where-Object ExitCode -ne 0 | Remove-Container
        (Get-Container -All).Name | Should -Not -Contain 'failed-run'
        (Get-Container -All).Name | Should -Contain 'ok-run'
        (Get-Container -All).Name | Should -Contain 'up-run' -Because 'a running container has no exit code yet'
        (Get-Container -All).Name | Should -Contain 'just-created'
    }

    It 'formats like docker ps' {
        $table = Get-Container -All | Format-Table | Out-String -Width 200
        $table | Should -Match 'ContainerId\s+Image\s+Command\s+Created\s+Status\s+Name'
        $table | Should -Match 'Up (Less than a second|1 second|\d+ seconds|About a minute)\s+up-run'
        $table | Should -Match '"true"\s+.*Exited \(0\) .* ago\s+ok-run'
        $table | Should -Match 'Created\s+just-created'
    }
}
