# Remove-Container end to end: nothing of a removed container is left, in the store, in /proc or in the mount table.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox -Quiet

    function Get-MountPointsUnder([string]$Directory) {
        Get-Content /proc/self/mountinfo | ForEach-Object { ($_ -split ' ')[4] } | Where-Object { $_ -like "$Directory*" }
    }
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Remove-Container' {
    It 'removes an exited container: its directory, changes and log' {
        $c = Start-Container $busybox -Name exited sh -c 'echo data > /file' -PassThru
        Test-Path $c.Directory | Should -BeTrue
        Remove-Container exited
        Test-Path $c.Directory | Should -BeFalse
        Get-Container -All exited -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-ChildItem (Split-Path $c.Directory)) | Where-Object Name -like "*$($c.Id)*" | Should -BeNullOrEmpty
    }

    It 'refuses a running container with ContainerIsRunning, and leaves it running' {
        $c = Start-Container $busybox -Detach -Name busy sleep 600
        { Remove-Container busy -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerIsRunning,*'
        (Get-Container busy).Status | Should -Be 'Running'
        Test-Path "/proc/$($c.Pid)" | Should -BeTrue
    }

    It '-Force kills a running one and leaves no process, no mount and no directory' {
        $c = Get-Container busy
        $c.Pid | Should -BeGreaterThan 0
        (Get-Content "/proc/$($c.Pid)/mountinfo") -match ' / .* overlay ' | Should -Not -BeNullOrEmpty -Because 'its rootfs is an overlay mounted in its own namespace'
        Remove-Container busy -Force
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
        Test-Path "/proc/$($c.MonitorPid)" | Should -BeFalse -Because 'no monitor is left, not even a zombie'
        Get-MountPointsUnder $c.Directory | Should -BeNullOrEmpty
        Test-Path $c.Directory | Should -BeFalse
    }

    It 'never follows a link out of the container while deleting it' {
        $outside = New-TestTempDirectory 'psc-outside'
        Set-Content (Join-Path $outside 'precious') 'keep me'
        $null = Start-Container $busybox -Name linker sh -c "ln -s $outside /escape; mkdir -p /deep/er; ln -s $outside /deep/er/escape"
        Remove-Container linker
        Get-Content (Join-Path $outside 'precious') | Should -Be 'keep me'
    }

    It 'takes containers from the pipeline, and -WhatIf removes nothing' {
        1..3 | ForEach-Object { $null = Start-Container $busybox -Name "piped-$_" sh -c "exit $_" }
        Get-Container -All -Name piped-* | Remove-Container -WhatIf
        (Get-Container -All -Name piped-*).Count | Should -Be 3
        Get-Container -All -Name piped-* | Where-Object ExitCode -ne 2 | Remove-Container
        (Get-Container -All -Name piped-*).Name | Should -Be @('piped-2')
    }

    It 'finishes a removal that a crash interrupted' {
        $c = Start-Container $busybox -Name interrupted true -PassThru
        $half = Join-Path (Split-Path $c.Directory) "removing-$($c.Id)"
        Move-Item $c.Directory $half # what a kill -9 right after the first step of a removal leaves
        # While a remover holds its lock (.NET's FileShare.None is a flock), the container shows as being removed.
        $held = [IO.File]::Open((Join-Path $half 'lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            (Get-Container -All -Status Removing).Name | Should -Be @('interrupted')
            Test-Path $half | Should -BeTrue -Because 'a removal in progress is left to its owner'
        }
        finally {
            $held.Dispose()
        }
        $null = Get-Container -All
        Test-Path $half | Should -BeFalse -Because 'the next listing finishes an abandoned removal'
        Get-Container -All interrupted -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
