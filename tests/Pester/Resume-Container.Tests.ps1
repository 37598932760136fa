# Resume-Container (docker unpause): a paused container carries on where it stopped.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ContainerJobs.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $busybox
    $counter = Start-TestContainerJob -Image $busybox -Name counter -Command sh, -c, 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done'
    $engine = [PSContainer.Runtime.ContainerEngine]::ForRoot()
    function Get-Count { [int](Get-Content -LiteralPath (Join-Path $counter.Container.Directory 'upper/count') -ErrorAction SilentlyContinue) }
}

AfterAll {
    if ($counter) { $counter | Stop-TestContainerJob }
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Resume-Container' {
    It 'lets a paused container run on' {
        Suspend-Container counter
        $frozenAt = Get-Count
        Resume-Container counter
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeFalse
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-Count) -le $frozenAt -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Get-Count | Should -BeGreaterThan $frozenAt
        Invoke-ContainerCommand counter true
        $LASTEXITCODE | Should -Be 0
    }

    It 'takes names from the pipeline, writes containers with -PassThru, and changes nothing with -WhatIf' {
        Suspend-Container counter
        'counter' | Resume-Container -WhatIf
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeTrue
        $result = 'counter' | Resume-Container -PassThru
        $result.Name | Should -Be 'counter'
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeFalse
    }

    It 'does nothing to a container that is not paused' {
        Resume-Container counter
        $LASTEXITCODE = 0
        $engine.Cgroups.IsPaused($engine.Containers.Get('counter')) | Should -BeFalse
    }
}
