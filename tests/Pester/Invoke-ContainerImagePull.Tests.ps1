# Invoke-ContainerImagePull against the real distribution registry, checked against what skopeo says
# the registry holds and against the bytes on disk. Authentication runs against the registry's own
# htpasswd (over TLS with a CA the test makes) and token modes; faults come from a proxy written for
# the tests (Fixtures/fault_proxy.py); crashes are real kill -9s of real pwsh processes.

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
    # skopeo reuses a blob a registry already has in another compression (its blob info cache), so each
    # compression gets a registry of its own.
    $zstdRegistry = Start-TestRegistry
    $plainRegistry = Start-TestRegistry
    $zstd = $layered | Publish-TestImage -Registry $zstdRegistry -Repository test/zstd -Compression zstd
    $plain = $layered | Publish-TestImage -Registry $plainRegistry -Repository test/plain -Compression none
    $multi = New-MultiPlatformTestImage -Platform linux/amd64, linux/arm64/v8 -Attestation linux/amd64 |
        Publish-TestImage -Registry $registry -Repository test/multi -All

    function Get-SkopeoInspect([string]$Reference, [switch]$Config, [switch]$Raw) {
        $flags = @('inspect', '--tls-verify=false')
        if ($Config) { $flags += '--config' }
        if ($Raw) { $flags += '--raw' }
        (& skopeo @flags "docker://$Reference") | ConvertFrom-Json
    }

    # Where a committed blob lives in the current store, and whether its bytes hash to its digest.
    function Test-StoredBlob([string]$Digest) {
        $path = Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$($Digest.Split(':')[1])"
        (Test-Path -LiteralPath $path) -and (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() -eq $Digest.Split(':')[1]
    }

    # A file of the unpacked top layer chain of an image, as the snapshotter stored it.
    function Get-UnpackedPath($Image, [string]$Path) {
        $top = @(Get-ContainerLayer -Image $Image)[-1]
        Join-Path $env:PSCONTAINER_ROOT "snapshots/$($top.ChainId.Split(':')[1])/fs/$Path"
    }

    # Credentials for a registry in the test's auth.json, written here by hand (not by our code).
    function Set-TestAuthFile($Target, [string]$HostPort = $Target.HostPort) {
        $pair = "$($Target.Credential.UserName):$($Target.Credential.GetNetworkCredential().Password)"
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($pair))
        Set-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Value (ConvertTo-Json @{ auths = @{ $HostPort = @{ auth = $auth } } } -Depth 4)
    }

    # A pwsh that imports the module and runs $Command with this process's store and config.
    function Start-ChildPwsh([string]$Command) {
        $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', "`$ErrorActionPreference = 'Stop'; Import-Module '$module'; $Command")) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        [System.Diagnostics.Process]::Start($start)
    }
}

AfterAll {
    foreach ($r in $registry, $zstdRegistry, $plainRegistry) { if ($r) { Stop-TestRegistry $r } }
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
        $raw = Get-SkopeoInspect $oci.Reference -Raw
        $image.Id | Should -Be $raw.config.digest
    }

    It 'pulls a Docker schema 2 image' {
        $image = Invoke-ContainerImagePull $v2s2.Reference -Quiet
        $image.Digest | Should -Be (Get-SkopeoInspect $v2s2.Reference).Digest
        $image.LayerCount | Should -Be 2
    }

    It 'pulls <Name> layers and unpacks them, checked against the DiffIDs the config has' -ForEach @(
        @{ Name = 'zstd-compressed'; Published = 'zstd'; MediaType = 'application/vnd.oci.image.layer.v1.tar+zstd' }
        @{ Name = 'uncompressed'; Published = 'plain'; MediaType = 'application/vnd.oci.image.layer.v1.tar' }
    ) {
        $reference = (Get-Variable -Name $Published -ValueOnly).Reference
        (Get-SkopeoInspect $reference -Raw).layers.mediaType | Should -Be @($MediaType, $MediaType)
        $image = Invoke-ContainerImagePull $reference -Quiet
        $layers = @(Get-ContainerLayer -Image $image)
        $layers.MediaType | Should -Be @($MediaType, $MediaType)
        $layers.DiffId | Should -Be (Get-SkopeoInspect $reference -Config).rootfs.diff_ids
        Get-Content -LiteralPath (Get-UnpackedPath $image 'greeting') | Should -Be 'second layer'
        $bottom = Join-Path $env:PSCONTAINER_ROOT "snapshots/$($layers[0].ChainId.Split(':')[1])/fs/bin/busybox"
        (Get-FileHash -LiteralPath $bottom).Hash | Should -Be (Get-FileHash -LiteralPath /bin/busybox).Hash
    }

    It 'stores every blob under its digest, byte for byte' {
        $image = Invoke-ContainerImagePull $oci.Reference -Quiet
        $raw = Get-SkopeoInspect $oci.Reference -Raw
        foreach ($digest in @($raw.config.digest) + @($raw.layers.digest) + @($image.Digest)) {
            Test-StoredBlob $digest | Should -BeTrue
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

    It 'writes a parent progress record and one child per layer with byte counts' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Join-Path $PSScriptRoot '../../PSContainer.psd1')'; Invoke-ContainerImagePull '$($oci.Reference)'")
            $null = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $progress = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $parent = @($progress | Where-Object ParentActivityId -EQ -1)
        $parent | Should -Not -BeNullOrEmpty
        $parent[-1].RecordType | Should -Be 'Completed'
        $children = @($progress | Where-Object { $_.ParentActivityId -eq $parent[0].ActivityId })
        ($children.ActivityId | Sort-Object -Unique).Count | Should -Be 2
        @($children | Where-Object StatusDescription -Match '^(Downloading|Download complete) [\d.]+ [kMG]?B / [\d.]+ [kMG]?B$').Count | Should -BeGreaterThan 0
    }

    It 'chooses the platform from a multi-platform index, skipping an attestation manifest listed first' {
        $index = Get-SkopeoInspect $multi.Reference -Raw
        $index.manifests[0].annotations.'vnd.docker.reference.type' | Should -Be 'attestation-manifest'
        $index.manifests[0].platform.architecture | Should -Be 'amd64'

        $hostImage = Invoke-ContainerImagePull $multi.Reference -Quiet
        $hostImage.Digest | Should -Be $multi.Digest
        $hostImage.ManifestDigest | Should -Be $index.manifests[1].digest
        $hostImage.Platform | Should -Be 'linux/amd64'
        Get-Content -LiteralPath (Get-UnpackedPath $hostImage 'platform') -Raw | Should -Be 'linux/amd64'

        $arm = Invoke-ContainerImagePull $multi.Reference -Platform linux/arm64/v8 -Quiet
        $arm.ManifestDigest | Should -Be $index.manifests[2].digest
        $arm.Platform | Should -Be 'linux/arm64/v8'
        Get-Content -LiteralPath (Get-UnpackedPath $arm 'platform') -Raw | Should -Be 'linux/arm64/v8'
        Get-TestRegistryRequests $registry | Where-Object { $_.Method -eq 'GET' -and $_.Path -eq "/v2/test/multi/manifests/$($index.manifests[0].digest)" } | Should -BeNullOrEmpty
    }

    It 'fails with ImagePlatformNotFound, naming what the index has, for a platform it lacks' {
        $err = $null
        Invoke-ContainerImagePull $multi.Reference -Platform linux/s390x -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImagePlatformNotFound,*'
        $err[0].Exception.Message | Should -Match 'linux/amd64.*linux/arm64/v8'
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'pulls by digest and verifies the manifest against it' {
        $byDigest = "$($registry.HostPort)/test/oci@$($oci.Digest)"
        $image = Invoke-ContainerImagePull $byDigest -Quiet
        $image.Digest | Should -Be $oci.Digest
        $image.Tag | Should -BeNullOrEmpty
        (Get-ContainerImage $byDigest).Id | Should -Be $image.Id
        $wrong = "$($registry.HostPort)/test/oci@sha256:$('0' * 64)"
        { Invoke-ContainerImagePull $wrong -Quiet -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
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

Describe 'Invoke-ContainerImagePull with authentication' {
    BeforeAll {
        $basic = Start-TestRegistry -Auth basic -Tls
        $null = $layered | Publish-TestImage -Registry $basic -Repository team/app
        $token = Start-TestRegistry -Auth token
        $null = $layered | Publish-TestImage -Registry $token -Repository team/app
        $null = $layered | Publish-TestImage -Registry $token -Repository public/app
    }
    AfterAll {
        if ($basic) { Stop-TestRegistry $basic }
        if ($token) { Stop-TestRegistry $token }
    }
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'pulls over TLS verified with the CA in certs.d, with Basic credentials from auth.json after the 401' {
        Set-TestRegistryConfig -CertsDirectory (New-TestCertsDirectory -Registry $basic)
        Set-TestAuthFile $basic
        $before = @(Get-TestRegistryRequests $basic).Count
        $image = Invoke-ContainerImagePull "$($basic.HostPort)/team/app" -Quiet
        $image.LayerCount | Should -Be 2
        $requests = @(Get-TestRegistryRequests $basic | Select-Object -Skip $before)
        $requests[0].Status | Should -Be 401
        $requests | Where-Object { $_.Path -like '*/blobs/*' -and $_.Status -ne 200 } | Should -BeNullOrEmpty
        # One 401: once the registry asked, every later request carried the credentials.
        @($requests | Where-Object Status -EQ 401).Count | Should -Be 1
    }

    It 'refuses a registry whose certificate the certs.d CA did not sign, and no HTTP fallback happens' {
        $other = New-TestCertificateAuthority -Name other-ca
        Set-TestRegistryConfig -CertsDirectory (New-TestCertsDirectory -Registry $basic -CaCertificate $other.Certificate)
        Set-TestAuthFile $basic
        $err = $null
        Invoke-ContainerImagePull "$($basic.HostPort)/team/app" -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnavailable,*'
        $err[0].Exception.Message | Should -Match 'TLS'
        $err[0].Exception.Message | Should -Not -Match 'http://'
    }

    It 'skips TLS verification for a registry listed as insecure' {
        Set-TestRegistryConfig -Insecure $basic.HostPort
        Set-TestAuthFile $basic
        (Invoke-ContainerImagePull "$($basic.HostPort)/team/app" -Quiet).LayerCount | Should -Be 2
    }

    It 'fails with RegistryUnauthorized (AuthenticationError) without credentials' {
        Set-TestRegistryConfig -CertsDirectory (New-TestCertsDirectory -Registry $basic)
        $err = $null
        Invoke-ContainerImagePull "$($basic.HostPort)/team/app" -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'pulls a public repository with an anonymous token, and refuses a private one without credentials' {
        $before = @(Get-TestTokenRequests $token).Count
        (Invoke-ContainerImagePull "$($token.HostPort)/public/app" -Quiet).LayerCount | Should -Be 2
        $issued = @(Get-TestTokenRequests $token | Select-Object -Skip $before)
        $issued.User | Should -BeNullOrEmpty
        { Invoke-ContainerImagePull "$($token.HostPort)/team/app" -Quiet -ErrorAction Stop } | Should -Throw -ErrorId 'RegistryUnauthorized,*'
    }

    It 'fetches one token with the stored credentials and reuses it for the manifest, config and every layer' {
        Set-TestAuthFile $token
        $before = @(Get-TestTokenRequests $token).Count
        $registryBefore = @(Get-TestRegistryRequests $token).Count
        (Invoke-ContainerImagePull "$($token.HostPort)/team/app" -Quiet).LayerCount | Should -Be 2
        $issued = @(Get-TestTokenRequests $token | Select-Object -Skip $before)
        $issued.Count | Should -Be 1
        $issued[0].user | Should -Be 'psc-test'
        $issued[0].scopes | Should -Be @('repository:team/app:pull')
        $served = @(Get-TestRegistryRequests $token | Select-Object -Skip $registryBefore | Where-Object Status -EQ 200)
        @($served | Where-Object { $_.Path -like '*/blobs/*' }).Count | Should -Be 3
    }

    It 'sends no Authorization to the host a blob is redirected to' {
        $proxy = Start-TestFaultProxy -Registry $token
        try {
            Set-TestAuthFile $token -HostPort $proxy.HostPort
            Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = '/blobs/sha256:'; method = 'GET'; action = 'redirect'; times = -1 }
            $image = Invoke-ContainerImagePull "$($proxy.HostPort)/team/app" -Quiet
            $log = Get-TestFaultProxyLog $proxy
            $cdn = @($log | Where-Object Port -EQ 'cdn')
            $cdn.Count | Should -Be 3
            $cdn.Authorization | Should -Not -Contain $true
            $log | Where-Object { $_.Port -eq 'main' -and $_.Fault -eq 'redirect' } | ForEach-Object { $_.Authorization | Should -BeTrue }
            foreach ($layer in Get-ContainerLayer -Image $image) { Test-StoredBlob $layer.Digest | Should -BeTrue }
        }
        finally { Stop-TestFaultProxy $proxy }
    }

    It 'fetches a foreign layer from its urls without Authorization' {
        $foreign = Start-TestRegistry -Auth token -AllowForeignUrls
        $proxy = Start-TestFaultProxy -Registry $foreign
        try {
            $pushed = $layered | Publish-TestImage -Registry $foreign -Repository team/foreign
            $password = $foreign.Credential.GetNetworkCredential().Password
            $raw = (& skopeo inspect --raw --tls-verify=false --creds "psc-test:$password" "docker://$($pushed.Reference)") | ConvertFrom-Json
            # The top layer becomes a non-distributable layer with a URL on the proxy's CDN port.
            $layerFile = Join-Path $layered.Path "blobs/sha256/$($raw.layers[1].digest.Split(':')[1])"
            $url = Add-TestFaultProxyFile -Proxy $proxy -Name 'top-layer' -Path $layerFile
            $raw.layers[1] | Add-Member -NotePropertyName mediaType -NotePropertyValue 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip' -Force
            $raw.layers[1] | Add-Member -NotePropertyName urls -NotePropertyValue @($url) -Force
            $tokenAnswer = Invoke-RestMethod -Uri "$($foreign.TokenUrl)?service=psc-test-registry&scope=repository:team/foreign:pull,push" -Authentication Basic -Credential $foreign.Credential -AllowUnencryptedAuthentication
            $null = Invoke-WebRequest -Method Put -Uri "$($foreign.Url)/v2/team/foreign/manifests/with-urls" -Body (ConvertTo-Json $raw -Depth 10 -Compress) `
                -ContentType 'application/vnd.oci.image.manifest.v1+json' -Headers @{ Authorization = "Bearer $($tokenAnswer.token)" }
            Set-TestAuthFile $foreign
            $before = @(Get-TestRegistryRequests $foreign).Count

            $image = Invoke-ContainerImagePull "$($foreign.HostPort)/team/foreign:with-urls" -Quiet
            $image.LayerCount | Should -Be 2
            $fetched = @(Get-TestFaultProxyLog $proxy | Where-Object { $_.Port -eq 'cdn' -and $_.Path -eq '/files/top-layer' })
            $fetched.Count | Should -Be 1
            $fetched[0].Authorization | Should -BeFalse
            Get-TestRegistryRequests $foreign | Select-Object -Skip $before | Where-Object Path -Like "*/blobs/$($raw.layers[1].digest)" | Should -BeNullOrEmpty
            Get-Content -LiteralPath (Get-UnpackedPath $image 'greeting') | Should -Be 'second layer'
        }
        finally {
            Stop-TestFaultProxy $proxy
            Stop-TestRegistry $foreign
        }
    }
}

Describe 'Invoke-ContainerImagePull through a faulty network' {
    BeforeAll {
        $proxy = Start-TestFaultProxy -Registry $registry
        $through = "$($proxy.HostPort)/test/oci"
        $raw = Get-SkopeoInspect $oci.Reference -Raw
        $bigLayer = ($raw.layers | Sort-Object size -Descending)[0]
    }
    AfterAll {
        if ($proxy) { Stop-TestFaultProxy $proxy }
    }
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'resumes a blob whose connection drops in the middle, with a Range request' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = "/blobs/$($bigLayer.digest)"; method = 'GET'; action = 'drop'; after = 200000; times = 1 }
        $image = Invoke-ContainerImagePull $through -Quiet
        $gets = @(Get-TestFaultProxyLog $proxy | Where-Object { $_.Path -like "*/blobs/$($bigLayer.digest)" })
        $gets.Count | Should -Be 2
        $gets[0].Fault | Should -Be 'drop'
        $gets[1].Range | Should -Match '^bytes=\d+-$'
        [long]($gets[1].Range -replace '\D', '') | Should -BeGreaterThan 0
        Test-StoredBlob $bigLayer.digest | Should -BeTrue
        $image.Digest | Should -Be $oci.Digest
    }

    It 'waits out 429 with Retry-After and retries 500s' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @(
            @{ match = '/manifests/latest'; method = 'GET'; action = 'status'; status = 429; retryAfter = 1; times = 1 },
            @{ match = "/blobs/$($bigLayer.digest)"; method = 'GET'; action = 'status'; status = 500; times = 2 })
        (Invoke-ContainerImagePull $through -Quiet).Digest | Should -Be $oci.Digest
        $log = Get-TestFaultProxyLog $proxy
        @($log | Where-Object Status -EQ 429).Count | Should -Be 1
        @($log | Where-Object Status -EQ 500).Count | Should -Be 2
    }

    It 'throws away bytes corrupted in transit and fetches the blob again' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = "/blobs/$($bigLayer.digest)"; method = 'GET'; action = 'corrupt'; after = 1000; times = 1 }
        $null = Invoke-ContainerImagePull $through -Quiet
        @(Get-TestFaultProxyLog $proxy | Where-Object { $_.Path -like "*/blobs/$($bigLayer.digest)" }).Count | Should -Be 2
        Test-StoredBlob $bigLayer.digest | Should -BeTrue
    }

    It 'fails with BlobDigestMismatch when every copy is corrupt, leaving no blob, no ingest and no image' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = "/blobs/$($bigLayer.digest)"; method = 'GET'; action = 'corrupt'; after = 1000; times = -1 }
        $err = $null
        Invoke-ContainerImagePull $through -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BlobDigestMismatch,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $hex = $bigLayer.digest.Split(':')[1]
        Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$hex" | Should -Not -Exist
        Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT "ingest/sha256-$hex") -Filter data -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-ContainerImage | Should -BeNullOrEmpty
        # The next pull over a healthy network succeeds from a clean state.
        Set-TestFaultProxyRule -Proxy $proxy
        (Invoke-ContainerImagePull $through -Quiet).Digest | Should -Be $oci.Digest
    }

    It 'fails with RegistryUnavailable when the registry keeps answering 500' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = '/blobs/'; method = 'GET'; action = 'status'; status = 500; times = -1 }
        $err = $null
        Invoke-ContainerImagePull $through -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnavailable,*'
        $err[0].Exception.Message | Should -Match '500'
        Get-ContainerImage | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-ContainerImagePull across processes' -Tag Slow {
    BeforeAll {
        $proxy = Start-TestFaultProxy -Registry $registry
        # 64 MiB of zeros: a few kilobytes to download, but a layer that takes a while to write out.
        $bulky = New-TestImage -Name bulky -Cmd sh -Layer {
            param($RootFs)
            $directory = New-Item -ItemType Directory -Path (Join-Path $RootFs 'data')
            foreach ($i in 1..200) { [IO.File]::WriteAllText((Join-Path $directory "f$i"), "file $i") }
            $stream = [IO.File]::Create((Join-Path $RootFs 'zeros.bin'))
            $stream.SetLength(64MB)
            $stream.Dispose()
        } | Publish-TestImage -Registry $registry -Repository test/bulky
    }
    AfterAll {
        if ($proxy) { Stop-TestFaultProxy $proxy }
    }
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'recovers from a kill -9 in the middle of a download: nothing is listed, and the next pull resumes' {
        $raw = Get-SkopeoInspect $oci.Reference -Raw
        $big = ($raw.layers | Sort-Object size -Descending)[0]
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = "/blobs/$($big.digest)"; method = 'GET'; action = 'slow'; delay = 0.2; times = 1 }
        $child = Start-ChildPwsh "Invoke-ContainerImagePull '$($proxy.HostPort)/test/oci' -Quiet"
        $partial = Join-Path $env:PSCONTAINER_ROOT "ingest/sha256-$($big.digest.Split(':')[1])/data"
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not ((Test-Path -LiteralPath $partial) -and (Get-Item -LiteralPath $partial).Length -gt 100000) -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 20
        }
        (Get-Item -LiteralPath $partial).Length | Should -BeGreaterThan 100000
        $child.Kill()   # SIGKILL
        $child.WaitForExit()

        Get-ContainerImage -ErrorAction Stop | Should -BeNullOrEmpty
        Set-TestFaultProxyRule -Proxy $proxy
        $image = Invoke-ContainerImagePull "$($proxy.HostPort)/test/oci" -Quiet -ErrorAction Stop
        $image.Digest | Should -Be $oci.Digest
        $resumed = @(Get-TestFaultProxyLog $proxy | Where-Object { $_.Path -like "*/blobs/$($big.digest)" })
        $resumed.Count | Should -Be 1
        $resumed[0].Range | Should -Match '^bytes=[1-9]\d*-$'
        Test-StoredBlob $big.digest | Should -BeTrue
    }

    It 'recovers from a kill -9 in the middle of unpacking a layer' {
        $child = Start-ChildPwsh "Invoke-ContainerImagePull '$($bulky.Reference)' -Quiet"
        $snapshots = Join-Path $env:PSCONTAINER_ROOT 'snapshots'
        $caught = $false
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            if ([IO.Directory]::Exists($snapshots) -and [IO.Directory]::GetDirectories($snapshots, 'new-*').Length -gt 0) {
                $child.Kill()
                $caught = $true
                break
            }
        }
        $child.WaitForExit()
        $caught | Should -BeTrue -Because 'the unpack of 64 MiB must be caught in the act'

        Get-ContainerImage -ErrorAction Stop | Should -BeNullOrEmpty
        $image = Invoke-ContainerImagePull $bulky.Reference -Quiet -ErrorAction Stop
        @(Get-ChildItem -LiteralPath $snapshots -Directory -Filter 'new-*') | Should -BeNullOrEmpty
        (Get-Item -LiteralPath (Get-UnpackedPath $image 'zeros.bin')).Length | Should -Be 64MB
        @(Get-ChildItem -LiteralPath (Get-UnpackedPath $image 'data') -File).Count | Should -Be 200
    }

    It 'lets two pwsh processes pull the same image at the same time, both succeeding with one copy of everything' {
        Set-TestFaultProxyRule -Proxy $proxy -Rule @{ match = '/blobs/'; method = 'GET'; action = 'slow'; delay = 0.05; times = -1 }
        $reference = "$($proxy.HostPort)/test/oci"
        $children = 1..2 | ForEach-Object { Start-ChildPwsh "(Invoke-ContainerImagePull '$reference' -Quiet).Id" }
        $outputs = foreach ($child in $children) {
            $out = $child.StandardOutput.ReadToEndAsync()
            $errors = $child.StandardError.ReadToEnd()
            $child.WaitForExit()
            $child.ExitCode | Should -Be 0 -Because $errors
            $out.Result.Trim()
        }
        $outputs[0] | Should -Match '^sha256:[0-9a-f]{64}$'
        $outputs[1] | Should -Be $outputs[0]
        @(Get-ContainerImage).Count | Should -Be 1
        $image = Get-ContainerImage $reference
        foreach ($layer in Get-ContainerLayer -Image $image) {
            Test-StoredBlob $layer.Digest | Should -BeTrue
            $layer.UnpackedSize | Should -Not -BeNullOrEmpty
        }
        @(Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'snapshots') -Directory | Where-Object Name -Match '^[0-9a-f]{64}$').Count | Should -Be 2
        @(Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'snapshots') -Directory -Filter 'new-*') | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'ingest') -Recurse -File -Filter data) | Should -BeNullOrEmpty
    }
}
