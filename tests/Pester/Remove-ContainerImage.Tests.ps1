# Remove-ContainerImage: docker rmi's untag-or-delete rules, containers pinning their images, and the
# garbage collection that frees blobs and unpacked layers — checked on disk.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $base = New-BusyboxImage
    $baseRef = ($base | Publish-TestImage -Registry $registry -Repository team/base).Reference
    $app = New-TestImage -Name rmi-app -Base $base.Layout -Cmd sh -Layer { param($r) Set-Content (Join-Path $r 'app') 'app' }
    $appRef = ($app | Publish-TestImage -Registry $registry -Repository team/app).Reference
    $tool = New-TestImage -Name rmi-tool -Base $base.Layout -Cmd sh -Layer { param($r) Set-Content (Join-Path $r 'tool') 'tool' }
    $toolRef = ($tool | Publish-TestImage -Registry $registry -Repository team/tool).Reference

    function Get-BlobPath([string]$Digest) { Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$($Digest.Split(':')[1])" }
    function Get-SnapshotPath([string]$ChainId) { Join-Path $env:PSCONTAINER_ROOT "snapshots/$($ChainId.Split(':')[1])" }
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Remove-ContainerImage' {
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'only untags a name when the image has another one' {
        $image = Invoke-ContainerImagePull $appRef -Quiet
        Add-ContainerImageTag $appRef -Tag "$($registry.HostPort)/team/app:stable"
        $removal = Remove-ContainerImage $appRef -PassThru
        $removal.Untagged | Should -Be @("$($registry.HostPort)/team/app:latest")
        $removal.Deleted | Should -BeFalse
        (Get-ContainerImage).Name | Should -Be @("$($registry.HostPort)/team/app:stable")
        foreach ($layer in Get-ContainerLayer -Image $image) {
            Get-BlobPath $layer.Digest | Should -Exist
            Get-SnapshotPath $layer.ChainId | Should -Exist
        }
    }

    It 'deletes the image with its last name and frees the blobs and unpacked layers no other image uses' {
        $baseImage = Invoke-ContainerImagePull $baseRef -Quiet
        $image = Invoke-ContainerImagePull $appRef -Quiet
        $layers = @(Get-ContainerLayer -Image $image)
        $layers[0].Digest | Should -Be (Get-ContainerLayer -Image $baseImage).Digest
        $removal = Remove-ContainerImage $appRef -PassThru
        $removal.Deleted | Should -BeTrue
        $removal.Id | Should -Be $image.Id

        Get-BlobPath $image.Id | Should -Not -Exist
        Get-BlobPath $image.ManifestDigest | Should -Not -Exist
        Get-BlobPath $layers[1].Digest | Should -Not -Exist
        Get-SnapshotPath $layers[1].ChainId | Should -Not -Exist
        # The base layer is shared with the base image: kept, blob and snapshot.
        Get-BlobPath $layers[0].Digest | Should -Exist
        Get-SnapshotPath $layers[0].ChainId | Should -Exist
        (Get-ContainerImage).Name | Should -Be @($baseImage.Name)

        Remove-ContainerImage $baseRef
        @(Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'blobs/sha256')) | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'snapshots') -Directory | Where-Object Name -Match '^[0-9a-f]{64}$') | Should -BeNullOrEmpty
    }

    It 'refuses to delete by id an image named in several repositories unless -Force' {
        $image = Invoke-ContainerImagePull $appRef -Quiet
        Add-ContainerImageTag $image.Id -Tag 'elsewhere/app:1'
        $err = $null
        Remove-ContainerImage $image.ShortId -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageReferencedInMultipleRepositories,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        @(Get-ContainerImage).Count | Should -Be 2
        $removal = Remove-ContainerImage $image.ShortId -Force -PassThru
        $removal.Untagged | Sort-Object | Should -Be @("$($registry.HostPort)/team/app:latest", 'elsewhere/app:1')
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'refuses an image a container was created from, and forced keeps what the container needs' {
        $image = Invoke-ContainerImagePull $toolRef -Quiet
        $container = Start-Container $toolRef -Name rmi-user -PassThru -- true
        $err = $null
        Remove-ContainerImage $toolRef -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageInUse,*'
        $err[0].Exception.Message | Should -Match 'rmi-user'
        (Get-ContainerImage $toolRef).Id | Should -Be $image.Id

        (Remove-ContainerImage $toolRef -Force -PassThru).Deleted | Should -BeTrue
        Get-ContainerImage | Should -BeNullOrEmpty
        # The container's root filesystem is these snapshots; its image config stays for the same reason.
        foreach ($layer in Get-ContainerLayer -Image $image) { Get-SnapshotPath $layer.ChainId | Should -Exist }
        Get-BlobPath $image.Id | Should -Exist
        # Every lower directory the container's root filesystem mounts is still there.
        $lowers = (Get-Content -LiteralPath (Join-Path $container.Directory 'rootfs-mounts.json') -Raw | ConvertFrom-Json).options |
            Where-Object { $_ -like 'lowerdir+=*' } | ForEach-Object { $_.Substring('lowerdir+='.Length) }
        @($lowers).Count | Should -Be 3 # the store's init directory (/dev, /proc, /sys), then the image's two layers
        $lowers | ForEach-Object { $_ | Should -Exist }
    }

    It 'takes images from the pipeline, names with wildcards, and removes dangling images by id' {
        $null = Invoke-ContainerImagePull $appRef, $toolRef -Quiet
        $older = Invoke-ContainerImagePull $baseRef -Quiet
        # Re-point team/base's tag locally: the busybox image becomes dangling.
        Add-ContainerImageTag $appRef -Tag $baseRef
        (Get-ContainerImage -Dangling).Id | Should -Be $older.Id
        Get-ContainerImage -Dangling | Remove-ContainerImage
        Get-ContainerImage -Dangling | Should -BeNullOrEmpty
        Remove-ContainerImage "$($registry.HostPort)/team/t*"
        (Get-ContainerImage).Name | Sort-Object | Should -Be @("$($registry.HostPort)/team/app:latest", "$($registry.HostPort)/team/base:latest")
    }

    It 'writes ImageNotFound for a name it does not know and goes on with the rest' {
        $null = Invoke-ContainerImagePull $appRef -Quiet
        $err = $null
        Remove-ContainerImage 'no-such-image', $appRef -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'changes nothing with -WhatIf' {
        $image = Invoke-ContainerImagePull $appRef -Quiet
        Remove-ContainerImage $appRef -WhatIf
        (Get-ContainerImage).Id | Should -Be $image.Id
        Get-BlobPath $image.Id | Should -Exist
    }

    It 'waits for a pull in another process before collecting, so content that pull reuses survives' -Tag Slow {
        # tool shares its busybox layer with app. While another process pulls tool (slowly, after finding
        # that layer already stored and unpacked), app is removed here; the collection must not take the layer.
        $proxy = Start-TestFaultProxy -Registry $registry
        try {
            $null = Invoke-ContainerImagePull $appRef -Quiet
            $toolLayers = @(Get-ContainerLayer -Image (Invoke-ContainerImagePull $toolRef -Quiet))
            Remove-ContainerImage $toolRef
            Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = "/blobs/$($toolLayers[1].Digest)"; method = 'GET'; action = 'slow'; delay = 1; times = 1 }
            $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
            $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-Command', "Import-Module '$module'; `$null = Invoke-ContainerImagePull '$($proxy.HostPort)/team/tool' -Quiet -ErrorAction Stop")) { $start.ArgumentList.Add($a) }
            $start.UseShellExecute = $false
            $child = [System.Diagnostics.Process]::Start($start)
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (@(Get-TestFaultProxyLog $proxy | Where-Object Path -Like "*/blobs/$($toolLayers[1].Digest)").Count) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }

            Remove-ContainerImage $appRef
            $child.WaitForExit()
            $child.ExitCode | Should -Be 0
            $tool = Get-ContainerImage "$($proxy.HostPort)/team/tool"
            foreach ($layer in Get-ContainerLayer -Image $tool) {
                Get-BlobPath $layer.Digest | Should -Exist
                Get-SnapshotPath $layer.ChainId | Should -Exist
            }
            Get-BlobPath $tool.Id | Should -Exist
        }
        finally { Stop-TestFaultProxy $proxy }
    }
}
