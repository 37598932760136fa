# Get-ContainerChange: what a container changed against its image, after real containers wrote, deleted and
# replaced files; checked with both snapshotters (overlay and copy) against the same expectation, which is what
# docker diff reports for the same commands.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busyboxLayout = New-BusyboxImage
    $image = New-TestImage -Name change-base -Base $busyboxLayout.Layout -Cmd sh -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'etc'), (Join-Path $RootFs 'var/cache/sub')
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/motd') -Value 'hi'
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/passwd') -Value 'root:x:0:0::/root:/bin/sh'
        Set-Content -LiteralPath (Join-Path $RootFs 'var/cache/old') -Value 'o'
        Set-Content -LiteralPath (Join-Path $RootFs 'var/cache/sub/x') -Value 'x'
    } | Publish-TestImage -Registry $registry -Repository test/change-base
    Set-TestRegistryConfig -Path ($configPath = Join-Path (New-TestTempDirectory 'psc-config') 'config.json') -Insecure $registry.HostPort

    # The same commands, run in a fresh container: write, append, delete, replace a directory, make new ones.
    $script = 'echo n > /etc/new; echo user >> /etc/passwd; rm /etc/motd /bin/ls; rm -r /var/cache; mkdir /var/cache; echo f > /var/cache/fresh; mkdir -p /newdir/inner'
    $expected = @('C /bin', 'D /bin/ls', 'C /etc', 'D /etc/motd', 'A /etc/new', 'C /etc/passwd', 'A /newdir', 'A /newdir/inner',
        'C /var', 'C /var/cache', 'A /var/cache/fresh', 'D /var/cache/old', 'D /var/cache/sub')

    function New-ChangedContainer([string]$Snapshotter, [string]$Name) {
        $env:PSCONTAINER_SNAPSHOTTER = $Snapshotter
        try {
            $store = New-TestStore
            Copy-Item -LiteralPath $configPath -Destination $env:PSCONTAINER_CONFIG -Force
            $null = Invoke-ContainerImagePull $image.Reference -Quiet
            $container = Start-Container -Name $Name -PassThru $image.Reference sh -c $script | Where-Object { $_ -isnot [string] }
            $LASTEXITCODE | Should -Be 0
            [pscustomobject]@{ Store = $store; Container = $container }
        }
        finally {
            Remove-Item Env:PSCONTAINER_SNAPSHOTTER
        }
    }
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-ContainerChange with the <_> snapshotter' -ForEach 'overlay', 'copy' {
    BeforeAll {
        $run = New-ChangedContainer -Snapshotter $_ -Name "changed-$_"
    }
    AfterAll {
        if ($run) { Remove-TestStore $run.Store }
    }

    It 'reports added, changed and deleted paths as docker diff does, sorted by path' {
        $changes = Get-ContainerChange "changed-$_"
        $changes | ForEach-Object { "$($_.Kind) $($_.Path)" } | Should -Be $expected
        ($changes | Where-Object Path -EQ '/var/cache/sub').Type | Should -Be 'Directory'
        ($changes | Where-Object Path -EQ '/bin/ls').Type | Should -Be 'Symlink'
        $name = "changed-$_"
        $changes.Container | Sort-Object -Unique | Should -Be $name
    }

    It 'leaves out the mount points the runtime made (/proc, /dev, /sys)' {
        (Get-ContainerChange "changed-$_").Path | Where-Object { $_ -in '/proc', '/dev', '/sys' } | Should -BeNullOrEmpty
        # The image has none of them. With overlay they come from the store's one init directory (a lower layer),
        # so the container's own layer holds only what it wrote; the copy snapshotter makes them in its copy.
        $made = @('proc', 'dev', 'sys' | Where-Object { Test-Path -LiteralPath (Join-Path $run.Container.Directory "upper/$_") })
        $made.Count | Should -Be $(if ($_ -eq 'overlay') { 0 } else { 3 })
    }

    It 'takes containers from the pipeline, by id and by wildcard name' {
        ($run.Container | Get-ContainerChange).Count | Should -Be $expected.Count
        (Get-ContainerChange $run.Container.Id).Count | Should -Be $expected.Count
        (Get-ContainerChange 'changed-*').Count | Should -Be $expected.Count
    }

    It 'finds nothing to report for a container that changed nothing' {
        $null = Start-Container -Name "idle-$_" $image.Reference true
        Get-ContainerChange "idle-$_" | Should -BeNullOrEmpty
    }

    It 'completes container names from the local store' {
        $line = "Get-ContainerChange changed-"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain "changed-$_"
    }

    It 'reports an unknown container as ContainerNotFound' {
        $err = $null
        Get-ContainerChange no-such-container -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ContainerNotFound'
    }
}
