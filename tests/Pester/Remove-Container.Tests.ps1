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

Describe 'Remove-Container -Volumes' {
    BeforeAll {
        $volumes = Join-Path $env:PSCONTAINER_ROOT volumes
        function Get-AnonymousVolume([string]$Container) {
            (Get-Container -All $Container).Mounts | Where-Object Anonymous
        }
    }

    It 'deletes the anonymous volumes, and keeps named volumes and bind mounts' {
        $hostDir = New-TestTempDirectory 'psc-bind'
        $null = Start-Container $busybox -Name with-volumes -Volume /anon, 'kept-volume:/named', "${hostDir}:/bound" `
            sh -c 'echo anon > /anon/file; echo named > /named/file; echo bound > /bound/file'
        $anon = Get-AnonymousVolume with-volumes
        $anon.Name | Should -Match '^[0-9a-f]{64}$'
        Get-Content (Join-Path $anon.Source file) | Should -Be 'anon'

        Remove-Container with-volumes -Volumes

        Test-Path (Join-Path $volumes $anon.Name) | Should -BeFalse
        Get-Content (Join-Path $volumes kept-volume/_data/file) | Should -Be 'named'
        Get-Content (Join-Path $hostDir file) | Should -Be 'bound'
        @(Get-ChildItem -Force $volumes -Filter '.removing-*') | Should -BeNullOrEmpty
        Start-Container $busybox -Volume 'kept-volume:/named' cat /named/file | Should -Be 'named' -Because 'the named volume still works'
    }

    It 'keeps the anonymous volumes without -Volumes' {
        $null = Start-Container $busybox -Name without-flag -Volume /anon sh -c 'echo stays > /anon/file'
        $anon = Get-AnonymousVolume without-flag
        Remove-Container without-flag
        Get-Content (Join-Path $anon.Source file) | Should -Be 'stays'
    }

    It 'keeps an anonymous volume that another container still uses' {
        $null = Start-Container $busybox -Name first-user -Volume /anon sh -c 'echo shared > /anon/file'
        $anon = Get-AnonymousVolume first-user
        Start-Container $busybox -Name second-user -Volume "$($anon.Name):/data" cat /data/file | Should -Be 'shared'
        Remove-Container first-user -Volumes
        Get-Content (Join-Path $anon.Source file) | Should -Be 'shared'
        Remove-Container second-user -Volumes
        Test-Path $anon.Source | Should -BeTrue -Because 'for the second container it is a named volume'
    }

    It '-WhatIf deletes nothing' {
        $null = Start-Container $busybox -Name what-if -Volume /anon true
        $anon = Get-AnonymousVolume what-if
        Remove-Container what-if -Volumes -WhatIf
        (Get-Container -All what-if).Name | Should -Be 'what-if'
        Test-Path $anon.Source | Should -BeTrue
        Remove-Container what-if -Volumes
    }

    It 'Start-Container -Remove takes the anonymous volumes along, attached and detached, as docker run --rm does' {
        $anonymous = { @(Get-ChildItem -Directory $volumes | Where-Object Name -Match '^[0-9a-f]{64}$').Name }
        $before = & $anonymous
        $null = Start-Container $busybox -Remove -Volume /anon, 'kept-by-rm:/named' sh -c 'echo x > /anon/file; echo y > /named/file'
        $LASTEXITCODE | Should -Be 0
        $null = Start-Container $busybox -Remove -Detach -Name rm-detached -Volume /anon, 'kept-by-rm:/named' sh -c 'echo z > /anon/file'
        Wait-TestCondition { -not (Get-Container -All -Name rm-detached -ErrorAction SilentlyContinue) } -Because 'psc-shim --remove deletes the container'
        Wait-TestCondition { -not (Get-ChildItem -Force $volumes -Filter '.removing-*') } -Because 'the removed volumes are deleted'
        & $anonymous | Where-Object { $_ -notin $before } | Should -BeNullOrEmpty
        Get-Content (Join-Path $volumes kept-by-rm/_data/file) | Should -Be 'y'
    }

    It 'gives an image''s VOLUME an anonymous volume filled from the image, unless a -Volume covers it; -Remove takes it along' {
        $seeded = New-TestImage -Name with-volume -Base (New-BusyboxImage).Layout -Volume /data -Cmd sh -Layer {
            param($RootFs)
            $null = New-Item -ItemType Directory (Join-Path $RootFs data)
            Set-Content -LiteralPath (Join-Path $RootFs data/seed) -Value 'from the image'
        } | Publish-TestImage -Registry $registry -Repository test/with-volume
        $null = Invoke-ContainerImagePull $seeded.Reference -Quiet

        $out = Start-Container $seeded.Reference -Name image-volume sh -c 'cat /data/seed; echo mine > /data/written; grep -c " /data " /proc/mounts'
        $out | Should -Be @('from the image', '1')
        $anon = Get-AnonymousVolume image-volume
        $anon.Destination | Should -Be '/data'
        Get-Content (Join-Path $anon.Source written) | Should -Be 'mine' -Because 'the writes went to the volume, not the container''s layer'
        Remove-Container image-volume -Volumes

        Start-Container $seeded.Reference -Volume covered-data:/data true
        Get-Content (Join-Path $volumes covered-data/_data/seed) | Should -Be 'from the image' -Because 'a new named volume is filled from the image too'
        $before = @(Get-ChildItem -Directory $volumes).Name
        $null = Start-Container $seeded.Reference -Remove true
        @(Get-ChildItem -Directory $volumes).Name | Where-Object { $_ -notin $before } | Should -BeNullOrEmpty
    }

    It 'finishes a removal with -Volumes that a crash interrupted' {
        $c = Start-Container $busybox -Name interrupted-volumes -Volume /anon sh -c 'echo x > /anon/file' -PassThru
        $anon = Get-AnonymousVolume interrupted-volumes
        # What a kill -9 right after the rename leaves: removing-<id>, with the intent to remove its volumes.
        $null = New-Item -ItemType File (Join-Path $c.Directory remove-volumes)
        Move-Item $c.Directory (Join-Path (Split-Path $c.Directory) "removing-$($c.Id)")
        $null = Get-Container -All
        Test-Path (Join-Path (Split-Path $c.Directory) "removing-$($c.Id)") | Should -BeFalse
        Test-Path (Join-Path $volumes $anon.Name) | Should -BeFalse
        @(Get-ChildItem -Force $volumes -Filter '.removing-*') | Should -BeNullOrEmpty
    }
}
