# Get-ContainerLayer, checked against the image configuration that skopeo reads from the registry.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $layered = New-TestImage -Name three-layers -Cmd sh -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'bin')
        Copy-Item /bin/busybox (Join-Path $RootFs 'bin/busybox')
    }, {
        param($RootFs) Set-Content -LiteralPath (Join-Path $RootFs 'a') -Value 'a'
    }, {
        param($RootFs) Set-Content -LiteralPath (Join-Path $RootFs 'b') -Value 'b'
    } | Publish-TestImage -Registry $registry -Repository test/layers
    $store = New-TestStore
    $image = Invoke-ContainerImagePull $layered.Reference -Quiet
    $config = & skopeo inspect --tls-verify=false --config "docker://$($layered.Reference)" | ConvertFrom-Json
    $raw = & skopeo inspect --tls-verify=false --raw "docker://$($layered.Reference)" | ConvertFrom-Json
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-ContainerLayer' {
    It 'lists the layers bottom first with the digests and diff ids the image declares' {
        $layers = Get-ContainerImage $layered.Reference | Get-ContainerLayer
        $layers.Count | Should -Be 3
        $layers.Index | Should -Be @(0, 1, 2)
        $layers.Digest | Should -Be @($raw.layers.digest)
        $layers.Size | Should -Be @($raw.layers.size)
        $layers.DiffId | Should -Be @($config.rootfs.diff_ids)
        $layers.MediaType | Should -Be @($raw.layers.mediaType)
    }

    It 'gives chain ids as the image-spec defines them' {
        $layers = Get-ContainerLayer -Name $layered.Reference
        $layers[0].ChainId | Should -Be $layers[0].DiffId
        $sha = [System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes("$($layers[0].ChainId) $($layers[1].DiffId)"))
        $layers[1].ChainId | Should -Be ('sha256:' + [Convert]::ToHexString($sha).ToLowerInvariant())
    }

    It 'carries created_by from the history and the unpacked size of each layer' {
        $layers = $image | Get-ContainerLayer
        $expected = @($config.history | Where-Object { -not $_.empty_layer } | ForEach-Object { $_.created_by })
        $layers.CreatedBy | Should -Be $expected
        $layers | ForEach-Object { $_.UnpackedSize | Should -BeGreaterThan 0 }
    }

    It 'accepts images by property name and reports missing ones' {
        $err = $null
        [pscustomobject]@{ Name = 'no-such-image' } | Get-ContainerLayer -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ImageNotFound'
    }
}
