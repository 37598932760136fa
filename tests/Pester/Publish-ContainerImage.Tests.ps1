# Publish-ContainerImage against the real registry: what the registry received (its access log) and
# what skopeo then reads back.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $big = New-TestImage -Name push-big -Base (New-BusyboxImage).Layout -Cmd sh -Layer {
        param($r)
        $bytes = [byte[]]::new(400KB)
        [Random]::new(42).NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $r 'random.bin'), $bytes)
    }
    $source = ($big | Publish-TestImage -Registry $registry -Repository team/app).Reference
    $store = New-TestStore
    $image = Invoke-ContainerImagePull $source -Quiet
    $blobs = @((Get-ContainerLayer -Image $image).Digest) + $image.Id

    function Get-Pushed([psobject]$Target, [string]$Reference) {
        $flags = @('inspect', '--tls-verify=false')
        if ($Target.Auth -ne 'none') { $flags += @('--creds', "psc-test:$($Target.Credential.GetNetworkCredential().Password)") }
        (& skopeo @flags "docker://$Reference") | ConvertFrom-Json
    }
    function Get-NewRequests([psobject]$Target, [int]$Skip) { @(Get-TestRegistryRequests $Target | Select-Object -Skip $Skip) }
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Publish-ContainerImage' {
    It 'asks with HEAD first, uploads each missing blob in one request, and puts the manifest last, unchanged' {
        $other = Start-TestRegistry
        try {
            $target = "$($other.HostPort)/mirror/app:1"
            $info = $null
            Publish-ContainerImage $source -Destination $target -InformationVariable info
            $requests = Get-NewRequests $other 0
            foreach ($blob in $blobs) {
                $head = $requests.IndexOf(($requests | Where-Object { $_.Method -eq 'HEAD' -and $_.Path -eq "/v2/mirror/app/blobs/$blob" } | Select-Object -First 1))
                $put = $requests.IndexOf(($requests | Where-Object { $_.Method -eq 'PUT' -and $_.Query -match "digest=$([regex]::Escape([uri]::EscapeDataString($blob)))" } | Select-Object -First 1))
                $head | Should -BeGreaterOrEqual 0
                $put | Should -BeGreaterThan $head
                $requests[$head].Status | Should -Be 404
            }
            $requests | Where-Object Method -EQ 'PATCH' | Should -BeNullOrEmpty
            $requests[-1].Method | Should -Be 'PUT'
            $requests[-1].Path | Should -Be '/v2/mirror/app/manifests/1'
            (Get-Pushed $other $target).Digest | Should -Be $image.ManifestDigest
            ($info | ForEach-Object { "$_" }) | Should -Contain "1: digest: $($image.ManifestDigest)"

            $before = @(Get-TestRegistryRequests $other).Count
            Publish-ContainerImage $source -Destination $target -Quiet
            $again = Get-NewRequests $other $before
            $again | Where-Object { $_.Method -in 'POST', 'PATCH' } | Should -BeNullOrEmpty
            @($again | Where-Object { $_.Method -eq 'HEAD' -and $_.Status -eq 200 }).Count | Should -Be $blobs.Count
        }
        finally { Stop-TestRegistry $other }
    }

    It 'sends blobs above -ChunkSize in chunks, and the registry assembles them' {
        $other = Start-TestRegistry
        try {
            Publish-ContainerImage $source -Destination "$($other.HostPort)/chunked/app" -ChunkSize 128KB -Quiet
            $requests = Get-NewRequests $other 0
            $largest = (Get-ContainerLayer -Image $image | Sort-Object Size -Descending)[0]
            $patches = @($requests | Where-Object Method -EQ 'PATCH')
            $patches.Count | Should -BeGreaterOrEqual ([Math]::Ceiling($largest.Size / 128KB))
            $patches.Status | Sort-Object -Unique | Should -Be 202
            $pushed = Get-Pushed $other "$($other.HostPort)/chunked/app"
            $pushed.Digest | Should -Be $image.ManifestDigest
            # Read back through skopeo, byte for byte: the blobs the registry assembled hash to their digests.
            $copy = New-TestTempDirectory 'psc-pushed'
            try {
                $null = & skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$($other.HostPort)/chunked/app" "oci:${copy}:x"
                $LASTEXITCODE | Should -Be 0
            }
            finally { Remove-Item -LiteralPath $copy -Recurse -Force }
        }
        finally { Stop-TestRegistry $other }
    }

    It 'mounts blobs from the repository they were pulled from instead of uploading them' {
        Add-ContainerImageTag $source -Tag "$($registry.HostPort)/team/copy:1"
        $before = @(Get-TestRegistryRequests $registry).Count
        Publish-ContainerImage "$($registry.HostPort)/team/copy:1"
        $requests = Get-NewRequests $registry $before
        $mounts = @($requests | Where-Object { $_.Method -eq 'POST' -and $_.Query -like '*mount=*' })
        $mounts.Count | Should -Be $blobs.Count
        $mounts | ForEach-Object { $_.Query | Should -Match 'from=team%2Fapp'; $_.Status | Should -Be 201 }
        $requests | Where-Object { $_.Method -in 'PATCH' -or ($_.Method -eq 'PUT' -and $_.Path -like '*/blobs/uploads/*') } | Should -BeNullOrEmpty
        (Get-Pushed $registry "$($registry.HostPort)/team/copy:1").Digest | Should -Be $image.ManifestDigest
    }

    It 'pushes to a token registry with stored credentials, asking for push scope, and refuses without them' {
        $token = Start-TestRegistry -Auth token
        try {
            $target = "$($token.HostPort)/team/pushed:1"
            { Publish-ContainerImage $source -Destination $target -Quiet -ErrorAction Stop } | Should -Throw -ErrorId 'RegistryUnauthorized,*'
            $pair = "psc-test:$($token.Credential.GetNetworkCredential().Password)"
            Set-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Value (ConvertTo-Json @{ auths = @{ $token.HostPort = @{ auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($pair)) } } })
            $before = @(Get-TestTokenRequests $token).Count
            Publish-ContainerImage $source -Destination $target -Quiet
            $issued = @(Get-TestTokenRequests $token | Select-Object -Skip $before)
            (Get-Pushed $token $target).Digest | Should -Be $image.ManifestDigest
            $issued.Count | Should -Be 1
            $issued[0].scopes | Should -Contain 'repository:team/pushed:pull,push'
        }
        finally {
            Remove-Item -LiteralPath $env:REGISTRY_AUTH_FILE -ErrorAction SilentlyContinue
            Stop-TestRegistry $token
        }
    }

    It 'pushes an image that pulls back with the same id and layers' {
        $target = "$($registry.HostPort)/roundtrip/app:1"
        Get-ContainerImage $source | Publish-ContainerImage -Destination $target -Quiet -PassThru | Should -Not -BeNullOrEmpty
        $other = New-TestStore
        try {
            $back = Invoke-ContainerImagePull $target -Quiet
            $back.Id | Should -Be $image.Id
            (Get-ContainerLayer -Image $back).DiffId | Should -Be (Get-ContainerLayer -Image $image).DiffId
        }
        finally { Remove-TestStore $other }
    }

    It 'needs a destination for an image without a name, and pushes nothing with -WhatIf' {
        $before = @(Get-TestRegistryRequests $registry).Count
        Publish-ContainerImage $source -Destination "$($registry.HostPort)/whatif/app" -WhatIf
        Get-NewRequests $registry $before | Should -BeNullOrEmpty
        { Publish-ContainerImage 'no-such-image' -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        $other = New-TestStore
        try {
            # umoci's layout names its image by a bare tag: imported, it has no name.
            $dangling = Import-ContainerImage $big.Path -Quiet
            $dangling.Dangling | Should -BeTrue
            { Publish-ContainerImage $dangling.Id -ErrorAction Stop } | Should -Throw -ErrorId 'PushDestinationRequired,*'
            $dangling | Publish-ContainerImage -Destination "$($registry.HostPort)/from/dangling" -Quiet
            (Get-Pushed $registry "$($registry.HostPort)/from/dangling").Digest | Should -Be $dangling.ManifestDigest
        }
        finally { Remove-TestStore $other }
    }
}
