# Rename-Container end to end.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    $null = Invoke-ContainerImagePull $busybox -Quiet
}

AfterAll {
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Rename-Container' {
    It 'renames a running container; the old name is free and the container runs on' {
        $c = Start-Container $busybox -Detach -Name before sleep 600
        $renamed = Rename-Container before after -PassThru
        $renamed.Name | Should -Be 'after'
        $renamed.Id | Should -Be $c.Id
        (Get-Container after).Pid | Should -Be $c.Pid
        Get-Container -All before -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $again = New-Container $busybox -Name before true
        $again.Id | Should -Not -Be $c.Id
    }

    It 'refuses a name in use, and an invalid one, with stable ErrorIds' {
        { Rename-Container before after -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNameInUse,*'
        { Rename-Container before 'bad name!' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidContainerName,*'
        (Get-Container -All before).Name | Should -Be 'before'
    }

    It 'takes the container from the pipeline, and -WhatIf renames nothing' {
        Get-Container -All before | Rename-Container -NewName later -WhatIf
        (Get-Container -All before).Name | Should -Be 'before'
        Get-Container -All before | Rename-Container -NewName later
        (Get-Container -All later).Name | Should -Be 'later'
    }
}
