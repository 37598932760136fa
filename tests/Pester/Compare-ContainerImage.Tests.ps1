# Compare-ContainerImage: two images built by umoci from one base, pushed by skopeo, pulled by PSContainer;
# every difference the second build made must be reported, with the layer that made it, and nothing else.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $base = New-TestImage -Name compare-base -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'app'), (Join-Path $RootFs 'etc')
        Set-Content -LiteralPath (Join-Path $RootFs 'app/main') -Value 'v1'
        Set-Content -LiteralPath (Join-Path $RootFs 'app/keep') -Value 'same'
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/conf') -Value 'conf'
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/old') -Value 'old'
        & touch -d '2020-01-01 00:00:00Z' (Join-Path $RootFs 'app/main') (Join-Path $RootFs 'app/keep') (Join-Path $RootFs 'etc/conf') (Join-Path $RootFs 'etc/old')
    }
    $v1 = New-TestImage -Name compare-v1 -Base $base.Layout -Layer {
        param($RootFs)
        Set-Content -LiteralPath (Join-Path $RootFs 'app/version') -Value '1'
        & touch -d '2020-01-01 00:00:00Z' (Join-Path $RootFs 'app/version')
    }
    # v2 shares the base layer, then: new content, a chmod, a deletion, an addition, and a touch only.
    $v2 = New-TestImage -Name compare-v2 -Base $base.Layout -Layer {
        param($RootFs)
        Set-Content -LiteralPath (Join-Path $RootFs 'app/main') -Value 'v2'
        & touch -d '2020-01-01 00:00:00Z' (Join-Path $RootFs 'app/main')
        & chmod 0600 (Join-Path $RootFs 'etc/conf')
        Remove-Item -LiteralPath (Join-Path $RootFs 'etc/old')
    }, {
        param($RootFs)
        Set-Content -LiteralPath (Join-Path $RootFs 'app/version') -Value '2'
        & touch -d '2020-01-01 00:00:00Z' (Join-Path $RootFs 'app/version')
        & touch -d '2021-06-01 00:00:00Z' (Join-Path $RootFs 'app/keep')
    }
    $refV1 = ($v1 | Publish-TestImage -Registry $registry -Repository test/compare -Tag v1).Reference
    $refV2 = ($v2 | Publish-TestImage -Registry $registry -Repository test/compare -Tag v2).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $image1 = Invoke-ContainerImagePull $refV1 -Quiet
    $image2 = Invoke-ContainerImagePull $refV2 -Quiet
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Compare-ContainerImage' {
    It 'reports each changed, deleted and added path with what differs and the layer of each image that set it' {
        $diffs = Compare-ContainerImage $refV1 $refV2 | Where-Object { $_.Path -notin '/app', '/etc' }
        $diffs | ForEach-Object { "$($_.Kind) $($_.Path) [$($_.Properties -join ',')] $($_.ReferenceLayer)/$($_.DifferenceLayer)" } | Should -Be @(
            'C /app/keep [Modified] 0/2'
            'C /app/main [Content] 0/1'
            'C /app/version [Content] 1/2'
            'C /etc/conf [Mode] 0/1'
            'D /etc/old [] 0/'
        )
        ($diffs | Where-Object Path -EQ '/etc/conf').Difference.UnixMode | Should -Be '-rw-------'
    }

    It 'ignores the properties it is told to, and keeps only the paths asked for' {
        (Compare-ContainerImage $refV1 $refV2 -ExcludeProperty Modified -Path /app/*).Path | Should -Be @('/app/main', '/app/version')
        (Compare-ContainerImage $refV1 $refV2 -Property Mode).Path | Should -Be @('/etc/conf', '/etc/old')
    }

    It 'finds no difference between an image and itself, and reverses A and D when the sides swap' {
        Compare-ContainerImage $refV2 $refV2 | Should -BeNullOrEmpty
        (Compare-ContainerImage $refV2 $refV1 | Where-Object Path -EQ '/etc/old').Kind | Should -Be 'A'
    }

    It 'takes image objects, the difference image from the pipeline' {
        ($image2 | Compare-ContainerImage $image1 -Path /app/main).Properties | Should -Be @('Content')
    }

    It 'completes image names from the local store' {
        $line = "Compare-ContainerImage $($refV1 -replace ':v1$', ':v')"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain $refV1
        $completions | Should -Contain $refV2
    }

    It 'reports a missing image as ImageNotFound' {
        $err = $null
        Compare-ContainerImage $refV1 no-such-image -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ImageNotFound'
    }
}
