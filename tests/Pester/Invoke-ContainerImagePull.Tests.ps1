# Invoke-ContainerImagePull against the real distribution registry, checked against what skopeo says
# the registry holds and against the bytes on disk.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $layered = New-TestImage -Name two-layers -Cmd sh -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'bin')
        Copy-Item /bin/busybox (Join-Path $RootFs 'bin/busybox')
        $null = [IO.File]::CreateSymbolicLink((Join-Path $RootFs 'bin/sh'), 'busybox')
    }, {
        param($RootFs)
        Set-Content -LiteralPath (Join-Path $RootFs 'greeting') -Value 'second layer'
    }
    $oci = $layered | Publish-TestImage -Registry $registry -Repository test/oci -Format oci
    $v2s2 = $layered | Publish-TestImage -Registry $registry -Repository test/v2s2 -Format v2s2

    function Get-SkopeoInspect([string]$Reference, [switch]$Config) {
        $flags = @('inspect', '--tls-verify=false')
        if ($Config) { $flags += '--config' }
        (& skopeo @flags "docker://$Reference") | ConvertFrom-Json
    }
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Invoke-ContainerImagePull' {
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'pulls an OCI image and returns it with the ids the registry has' {
        $image = Invoke-ContainerImagePull $oci.Reference -Quiet
        $image | Should -BeOfType 'PSContainer.Runtime.Images.ContainerImage'
        $inspect = Get-SkopeoInspect $oci.Reference
        $image.Digest | Should -Be $inspect.Digest
        $image.LayerCount | Should -Be 2
        $image.Tag | Should -Be 'latest'
        $image.Command | Should -Be @('sh')
        $raw = & skopeo inspect --tls-verify=false --raw "docker://$($oci.Reference)" | ConvertFrom-Json
        $image.Id | Should -Be $raw.config.digest
    }

    It 'pulls a Docker schema 2 image' {
        $image = Invoke-ContainerImagePull $v2s2.Reference -Quiet
        $image.Digest | Should -Be (Get-SkopeoInspect $v2s2.Reference).Digest
        $image.LayerCount | Should -Be 2
    }

    It 'stores every blob under its digest, byte for byte' {
        $image = Invoke-ContainerImagePull $oci.Reference -Quiet
        $raw = & skopeo inspect --tls-verify=false --raw "docker://$($oci.Reference)" | ConvertFrom-Json
        foreach ($digest in @($raw.config.digest) + @($raw.layers.digest) + @($image.Digest)) {
            $hex = $digest.Split(':')[1]
            $path = Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$hex"
            $path | Should -Exist
            (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $hex
        }
    }

    It 'takes several names from the pipeline' {
        $images = $oci.Reference, $v2s2.Reference | Invoke-ContainerImagePull -Quiet
        $images.Count | Should -Be 2
        (Get-ContainerImage).Count | Should -Be 2
    }

    It 'downloads nothing again when the image is up to date' {
        $null = Invoke-ContainerImagePull $oci.Reference -Quiet
        $before = @(Get-TestRegistryRequests $registry).Count
        $info = $null
        $null = Invoke-ContainerImagePull $oci.Reference -InformationVariable info
        $requests = @(Get-TestRegistryRequests $registry | Select-Object -Skip $before)
        $requests | Where-Object { $_.Path -like '*/blobs/*' } | Should -BeNullOrEmpty
        ($info | ForEach-Object { "$_" }) | Should -Contain "Status: Image is up to date for $($oci.Reference)"
    }

    It 'fails with ImageNotFound for a tag that does not exist and stores nothing' {
        { Invoke-ContainerImagePull "$($registry.HostPort)/test/oci:nope" -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'fails with InvalidImageReference for a malformed name' {
        { Invoke-ContainerImagePull 'Not/Valid:::' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidImageReference,*'
    }

    It 'fails with RegistryUnavailable when nothing listens' {
        { Invoke-ContainerImagePull '127.0.0.1:9/test/oci' -ErrorAction Stop } | Should -Throw -ErrorId 'RegistryUnavailable,*'
    }

    It 'supports -WhatIf' {
        Invoke-ContainerImagePull $oci.Reference -WhatIf | Should -BeNullOrEmpty
        Get-ContainerImage | Should -BeNullOrEmpty
    }
}
