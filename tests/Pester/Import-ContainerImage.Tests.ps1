# Import-ContainerImage: archives written by skopeo, podman, umoci and gzip (never by our exporter),
# loaded into the store with their ids and names, unpacked and runnable.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $app = New-TestImage -Name import-app -Base (New-BusyboxImage).Layout -Cmd cat, /greeting -Layer { param($r) Set-Content (Join-Path $r 'greeting') 'imported' }
    $appRef = ($app | Publish-TestImage -Registry $registry -Repository team/app).Reference
    $appId = ((& skopeo inspect --raw --tls-verify=false "docker://$appRef") | ConvertFrom-Json).config.digest
    $work = New-TestTempDirectory 'psc-import'

    function Invoke-Podman {
        $podmanArgs = @('--root', (Join-Path $work 'podman-root'), '--runroot', (Join-Path $work 'podman-run'), '--storage-driver', 'vfs', '--events-backend', 'file') + $args
        $output = & podman @podmanArgs 2>&1
        if ($LASTEXITCODE -ne 0) { throw "podman $($args -join ' ') failed: $($output -join "`n")" }
        $output | Where-Object { $_ -is [string] }
    }
    function Copy-WithSkopeo([string]$Destination) {
        $output = & skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$appRef" $Destination 2>&1
        if ($LASTEXITCODE -ne 0) { throw "skopeo copy to $Destination failed: $output" }
    }
    function Get-UnpackedPath($Image, [string]$Path) {
        $top = @(Get-ContainerLayer -Image $Image)[-1]
        Join-Path $env:PSCONTAINER_ROOT "snapshots/$($top.ChainId.Split(':')[1])/fs/$Path"
    }

    Copy-WithSkopeo "docker-archive:$(Join-Path $work 'skopeo-docker.tar'):imported/app:v1"
    Copy-WithSkopeo "oci-archive:$(Join-Path $work 'skopeo-oci.tar'):imported/app:v2"
    $null = Invoke-Podman pull --tls-verify=false $appRef
    $null = Invoke-Podman save -o (Join-Path $work 'podman-docker.tar') $appRef
    $null = Invoke-Podman save --format oci-archive -o (Join-Path $work 'podman-oci.tar') $appRef
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Import-ContainerImage' {
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'loads a skopeo docker-archive under its name and id, unpacked and runnable' {
        $info = $null
        $image = Import-ContainerImage (Join-Path $work 'skopeo-docker.tar') -InformationVariable info
        $image.Name | Should -Be 'docker.io/imported/app:v1'
        $image.Id | Should -Be $appId
        "$info" | Should -Be 'Loaded image: imported/app:v1'
        Get-Content -LiteralPath (Get-UnpackedPath $image 'greeting') | Should -Be 'imported'
        Start-Container imported/app:v1 | Should -Be 'imported'
    }

    It 'loads a skopeo oci-archive named by its ref.name annotation' {
        $image = Import-ContainerImage (Join-Path $work 'skopeo-oci.tar') -Quiet
        $image.Name | Should -Be 'docker.io/imported/app:v2'
        $image.Id | Should -Be $appId
    }

    It 'loads what podman save writes, docker-archive and oci-archive, with the ids podman has' {
        $fromDocker = Import-ContainerImage (Join-Path $work 'podman-docker.tar') -Quiet
        $fromDocker.Name | Should -Be $appRef
        $fromDocker.Id | Should -Be ('sha256:' + (Invoke-Podman image inspect $appRef --format '{{.Id}}'))
        $fromOci = Import-ContainerImage (Join-Path $work 'podman-oci.tar') -Quiet
        $fromOci.Name | Should -Be $appRef
        (Get-Content -LiteralPath (Get-UnpackedPath $fromOci 'greeting')) | Should -Be 'imported'
    }

    It 'loads an umoci layout directory; a bare tag names nothing, so the image is dangling' {
        $info = $null
        $image = Import-ContainerImage $app.Path -InformationVariable info
        $image.Dangling | Should -BeTrue
        "$info" | Should -Be "Loaded image ID: $($image.Id)"
        (Get-ContainerImage -Dangling).Id | Should -Be $image.Id
    }

    It 'loads one platform of a multi-platform layout' {
        $multi = New-MultiPlatformTestImage -Platform linux/amd64, linux/arm64/v8 -Attestation linux/amd64
        $arm = Import-ContainerImage $multi.Path -Platform linux/arm64/v8 -Quiet
        $arm.Platform | Should -Be 'linux/arm64/v8'
        Get-Content -LiteralPath (Get-UnpackedPath $arm 'platform') -Raw | Should -Be 'linux/arm64/v8'
        { Import-ContainerImage $multi.Path -Platform linux/s390x -ErrorAction Stop } | Should -Throw -ErrorId 'ImagePlatformNotFound,*'
    }

    It 'loads a gzip-compressed archive and takes files from the pipeline' {
        $compressed = Join-Path $work 'compressed.tar.gz'
        & sh -c "gzip -c '$(Join-Path $work 'skopeo-docker.tar')' > '$compressed'"
        $images = Get-Item -LiteralPath $compressed, (Join-Path $work 'skopeo-oci.tar') | Import-ContainerImage -Quiet
        $images.Name | Should -Be @('docker.io/imported/app:v1', 'docker.io/imported/app:v2')
    }

    It 'fails with BlobDigestMismatch on a damaged blob and records nothing' {
        $damaged = Join-Path $work 'damaged-layout'
        Copy-Item -LiteralPath $app.Path -Destination $damaged -Recurse
        $manifestDigest = ((Get-Content (Join-Path $damaged 'index.json') -Raw | ConvertFrom-Json).manifests[0].digest).Split(':')[1]
        $layer = ((Get-Content (Join-Path $damaged "blobs/sha256/$manifestDigest") -Raw | ConvertFrom-Json).layers[-1].digest).Split(':')[1]
        $bytes = [IO.File]::ReadAllBytes((Join-Path $damaged "blobs/sha256/$layer"))
        $bytes[20] = $bytes[20] -bxor 0xff
        [IO.File]::WriteAllBytes((Join-Path $damaged "blobs/sha256/$layer"), $bytes)
        $err = $null
        Import-ContainerImage $damaged -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlobDigestMismatch,*'
        Get-ContainerImage | Should -BeNullOrEmpty
        Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$layer" | Should -Not -Exist
    }

    It 'says what is wrong with a path that does not exist or a file that is not an image archive' {
        { Import-ContainerImage (Join-Path $work 'absent.tar') -ErrorAction Stop } | Should -Throw -ErrorId 'ImageArchiveNotFound,*'
        $bogus = Join-Path $work 'bogus.tar'
        Set-Content -LiteralPath $bogus -Value ('x' * 4000)
        { Import-ContainerImage $bogus -ErrorAction Stop } | Should -Throw -ErrorId 'ImageArchiveInvalid,*'
        Import-ContainerImage (Join-Path $work 'skopeo-docker.tar') -WhatIf
        Get-ContainerImage | Should -BeNullOrEmpty
    }
}
