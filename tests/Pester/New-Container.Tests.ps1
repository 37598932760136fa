# New-Container end to end: created, not started.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'New-Container' {
    It 'refuses to pull with -Pull Never, asking the registry nothing' {
        $before = @(Get-TestRegistryRequests $registry).Count
        { New-Container $busybox -Pull Never -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFoundLocally,*'
        @(Get-TestRegistryRequests $registry).Count | Should -Be $before
    }

    It 'pulls a missing image and creates the container without running anything' {
        $c = New-Container $busybox -Name made -Label @{ purpose = 'test' } sh -c 'echo ran; exit 3'
        $c | Should -BeOfType 'PSContainer.Runtime.Containers.Container'
        $c.Status | Should -Be 'Created'
        $c.Pid | Should -BeNullOrEmpty
        $c.Command | Should -Be @('sh', '-c', 'echo ran; exit 3')
        $c.Labels['purpose'] | Should -Be 'test'
        Test-Path (Join-Path $c.Directory 'shim.json') | Should -BeFalse
        Get-ContainerLog made | Should -BeNullOrEmpty
    }

    It 'makes a container that Start-Container runs later' {
        Get-Container made | Start-Container -Attach | Should -Be 'ran'
        $LASTEXITCODE | Should -Be 3
        (Get-Container made).ExitCode | Should -Be 3
    }

    It 'pulls again with -Pull Always' {
        $before = @(Get-TestRegistryRequests $registry | Where-Object Path -like '*/manifests/*').Count
        $null = New-Container $busybox -Pull Always true
        @(Get-TestRegistryRequests $registry | Where-Object Path -like '*/manifests/*').Count | Should -BeGreaterThan $before
    }

    It 'refuses a name in use, and keeps no anonymous volume made for the container it did not create' {
        $volumes = Join-Path $env:PSCONTAINER_ROOT volumes
        $before = @(Get-ChildItem -Force $volumes -ErrorAction SilentlyContinue).Name
        { New-Container $busybox -Name made -Volume /anon true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNameInUse,*'
        { New-Container $busybox -User no-such-user -Volume /anon true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerUserNotFound,*'
        @(Get-ChildItem -Force $volumes -ErrorAction SilentlyContinue).Name | Where-Object { $_ -notlike '.*lock' } |
            Should -Be ($before | Where-Object { $_ -notlike '.*lock' })
    }
}
