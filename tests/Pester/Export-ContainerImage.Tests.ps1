# Export-ContainerImage: what it writes must be read by skopeo and podman (independent readers), with
# the image ids they compute equal to ours.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $app = New-TestImage -Name export-app -Base (New-BusyboxImage).Layout -Cmd cat, /greeting -Layer { param($r) Set-Content (Join-Path $r 'greeting') 'exported' }
    $appRef = ($app | Publish-TestImage -Registry $registry -Repository team/app).Reference
    $helloRef = (New-HelloWorldImage | Publish-TestImage -Registry $registry -Repository team/hello -Format v2s2).Reference
    $store = New-TestStore
    $image = Invoke-ContainerImagePull $appRef -Quiet
    $hello = Invoke-ContainerImagePull $helloRef -Quiet
    $work = New-TestTempDirectory 'psc-export'

    # podman with a storage of its own (vfs: no mounts needed), so the machine's images are never touched.
    function Invoke-Podman {
        $podmanArgs = @('--root', (Join-Path $work 'podman-root'), '--runroot', (Join-Path $work 'podman-run'), '--storage-driver', 'vfs', '--events-backend', 'file') + $args
        $output = & podman @podmanArgs 2>&1
        if ($LASTEXITCODE -ne 0) { throw "podman $($args -join ' ') failed: $($output -join "`n")" }
        $output | Where-Object { $_ -is [string] }
    }
    function Get-SkopeoRaw([string]$Reference) { (& skopeo inspect --raw $Reference) | ConvertFrom-Json }
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Export-ContainerImage' {
    It 'writes a docker archive that skopeo reads with our id and podman loads under the name' {
        $file = Export-ContainerImage $appRef -Path (Join-Path $work 'app-docker.tar') -PassThru
        $file | Should -BeOfType [System.IO.FileInfo]
        $raw = Get-SkopeoRaw "docker-archive:$($file.FullName)"
        $raw.config.digest | Should -Be $image.Id
        $raw.layers.digest | Should -Be (Get-ContainerLayer -Image $image).DiffId

        Invoke-Podman load -i $file.FullName | Should -Contain "Loaded image: $appRef"
        (Invoke-Podman image inspect $appRef --format '{{.Id}}') | Should -Be $image.Id.Substring(7)
    }

    It 'writes an OCI archive with the blobs as stored, readable by skopeo by tag and loadable by podman' {
        $path = Join-Path $work 'app-oci.tar'
        Export-ContainerImage $appRef -Path $path -Format OciArchive
        $raw = Get-SkopeoRaw "oci-archive:${path}:latest"
        $raw.config.digest | Should -Be $image.Id
        (& skopeo inspect "oci-archive:${path}:latest" | ConvertFrom-Json).Digest | Should -Be $image.ManifestDigest
        Invoke-Podman load -i $path | Should -Contain "Loaded image: $appRef"
    }

    It 'writes an OCI layout directory that skopeo copies to a registry with the same digest' {
        $layout = Join-Path $work 'app-layout'
        Export-ContainerImage -InputObject $image -Path $layout -Format OciDirectory
        Join-Path $layout 'oci-layout' | Should -Exist
        $null = & skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:${layout}:latest" "docker://$($registry.HostPort)/copied/app:1"
        $LASTEXITCODE | Should -Be 0
        (& skopeo inspect --tls-verify=false "docker://$($registry.HostPort)/copied/app:1" | ConvertFrom-Json).Digest | Should -Be $image.ManifestDigest
    }

    It 'converts a Docker schema 2 image to OCI media types in an OCI archive, keeping its id' {
        $path = Join-Path $work 'hello-oci.tar'
        Export-ContainerImage $helloRef -Path $path -Format OciArchive
        $raw = Get-SkopeoRaw "oci-archive:${path}:latest"
        $raw.mediaType | Should -Be 'application/vnd.oci.image.manifest.v1+json'
        $raw.layers.mediaType | Should -Be @('application/vnd.oci.image.layer.v1.tar+gzip')
        $raw.config.digest | Should -Be $hello.Id
    }

    It 'puts several images in one archive, and an image given by id goes without a name' {
        $path = Join-Path $work 'both.tar'
        Export-ContainerImage $appRef, $hello.Id -Path $path
        $manifest = & tar -xOf $path manifest.json | ConvertFrom-Json
        $manifest.Count | Should -Be 2
        ($manifest | Where-Object Config -EQ "$($hello.Id.Substring(7)).json").RepoTags | Should -BeNullOrEmpty
        $loaded = Invoke-Podman load -i $path
        $loaded | Should -Contain "Loaded image: $appRef"
        $loaded | Should -Contain "Loaded image: $($hello.Id)"
    }

    It 'replaces an archive only when the new one is complete, and refuses a directory that is not empty' {
        $path = Join-Path $work 'replace.tar'
        Set-Content -LiteralPath $path -Value 'old content'
        Export-ContainerImage $helloRef -Path $path
        (& tar -tf $path) | Should -Contain 'manifest.json'
        @(Get-ChildItem -LiteralPath $work -Filter '.replace.tar.partial-*' -Force) | Should -BeNullOrEmpty

        $full = New-Item -ItemType Directory -Path (Join-Path $work 'full')
        Set-Content -LiteralPath (Join-Path $full 'keep') -Value 'x'
        { Export-ContainerImage $helloRef -Path $full -Format OciDirectory -ErrorAction Stop } | Should -Throw -ErrorId 'ExportTargetExists,*'
        @(Get-ChildItem -LiteralPath $full).Name | Should -Be @('keep')
    }

    It 'writes nothing for an image it does not know, or with -WhatIf' {
        $path = Join-Path $work 'nothing.tar'
        Export-ContainerImage 'no-such-image' -Path $path -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
        Export-ContainerImage $appRef -Path $path -WhatIf
        $path | Should -Not -Exist
    }
}
