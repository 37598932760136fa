# Tests of the test harness itself: if the fixtures lie, every other test does too. Everything
# here is checked with the independent tools (skopeo, umoci, HTTP) rather than with PSContainer.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    $StandardPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

    function Invoke-Skopeo {
        $output = & skopeo @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "skopeo $args failed: $output" }
        $output -join "`n"
    }
}

Describe 'Start-TestRegistry' {
    BeforeAll {
        $registry = Start-TestRegistry
        # Read before any test sends a request: only the readiness probes are in the log yet.
        $requestsAtStart = @(Get-TestRegistryRequests $registry)
    }
    AfterAll {
        if ($registry) { Stop-TestRegistry $registry }
    }

    It 'serves the distribution API on 127.0.0.1, on the port in Url and HostPort' {
        $registry.HostPort | Should -Match '^127\.0\.0\.1:\d+$'
        $registry.Url | Should -Be "http://$($registry.HostPort)"
        $response = Invoke-WebRequest -Uri "$($registry.Url)/v2/" -SkipHttpErrorCheck
        $response.StatusCode | Should -Be 200
        $response.Headers['Docker-Distribution-Api-Version'] | Should -Be 'registry/2.0'
    }

    It 'starts with empty storage in a fresh directory' {
        $registry.StorageDirectory | Should -Exist
        Get-ChildItem -LiteralPath $registry.StorageDirectory -Recurse -File | Should -BeNullOrEmpty
        $response = Invoke-WebRequest -Uri "$($registry.Url)/v2/library/busybox/tags/list" -SkipHttpErrorCheck
        $response.StatusCode | Should -Be 404
        ($response.Content | ConvertFrom-Json).errors[0].code | Should -Be 'NAME_UNKNOWN'
    }

    It 'logs requests, and Get-TestRegistryRequests leaves out the readiness probes' {
        $requestsAtStart | Should -BeNullOrEmpty
        Get-Content -LiteralPath $registry.LogFile | Where-Object { $_ -match '"GET /v2/ HTTP/1.1" 200 .*psc-test-harness-probe' } |
            Should -Not -BeNullOrEmpty
    }

    It 'parses method, path, query, status and user agent of each new request, in order' {
        $before = @(Get-TestRegistryRequests $registry).Count
        $null = Invoke-WebRequest -Uri "$($registry.Url)/v2/library/nothing/manifests/v1?probe=1" -UserAgent 'harness-test/1' -SkipHttpErrorCheck
        $null = Invoke-WebRequest -Uri "$($registry.Url)/v2/" -Method Head -UserAgent 'harness-test/2' -SkipHttpErrorCheck

        $new = @(Get-TestRegistryRequests $registry | Select-Object -Skip $before)
        $new.Count | Should -Be 2
        $new[0].Method | Should -Be 'GET'
        $new[0].Path | Should -Be '/v2/library/nothing/manifests/v1'
        $new[0].Query | Should -Be 'probe=1'
        $new[0].Status | Should -Be 404
        $new[0].UserAgent | Should -Be 'harness-test/1'
        $new[1].Method | Should -Be 'HEAD'
        $new[1].Path | Should -Be '/v2/'
        $new[1].Status | Should -Be 200
    }
}

Describe 'Stop-TestRegistry' {
    It 'leaves nothing running or on disk, and two registries never share a port or storage' {
        $first = Start-TestRegistry
        $second = Start-TestRegistry
        try {
            $second.Port | Should -Not -Be $first.Port
            $second.StorageDirectory | Should -Not -Be $first.StorageDirectory
        }
        finally {
            Stop-TestRegistry $first
            Stop-TestRegistry $second
        }
        foreach ($r in $first, $second) {
            $r.Process.HasExited | Should -BeTrue
            $r.Directory | Should -Not -Exist
            { Invoke-WebRequest -Uri "$($r.Url)/v2/" -TimeoutSec 5 } | Should -Throw
        }
    }
}

Describe 'New-BusyboxImage and Publish-TestImage' {
    BeforeAll {
        $registry = Start-TestRegistry
        $image = New-BusyboxImage
        $oci = $image | Publish-TestImage -Registry $registry -Repository library/busybox
        $v2s2 = $image | Publish-TestImage -Registry $registry -Repository library/busybox -Tag v2s2 -Format v2s2
        $work = New-TestTempDirectory
    }
    AfterAll {
        if ($registry) { Stop-TestRegistry $registry }
        if ($work) { Remove-Item -LiteralPath $work -Recurse -Force }
    }

    It 'builds an OCI layout with one tagged manifest' {
        Join-Path $image.Path 'oci-layout' | Should -Exist
        $index = Get-Content -LiteralPath (Join-Path $image.Path 'index.json') -Raw | ConvertFrom-Json
        $index.manifests.Count | Should -Be 1
        $index.manifests[0].annotations.'org.opencontainers.image.ref.name' | Should -Be 'latest'
        $image.Layout | Should -Be "$($image.Path):latest"
    }

    It 'builds the image once per run and then serves it from the cache' {
        $stamp = (Get-Item -LiteralPath (Join-Path $image.Path 'index.json')).LastWriteTimeUtc
        $again = New-BusyboxImage
        $again.Path | Should -Be $image.Path
        (Get-Item -LiteralPath (Join-Path $again.Path 'index.json')).LastWriteTimeUtc | Should -Be $stamp
    }

    It 'is visible to skopeo inspect under the digest the push reported' {
        $info = Invoke-Skopeo inspect --tls-verify=false "docker://$($oci.Reference)" | ConvertFrom-Json
        $oci.Reference | Should -Be "$($registry.HostPort)/library/busybox:latest"
        $oci.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        $info.Digest | Should -Be $oci.Digest
        $info.Os | Should -Be 'linux'
        $info.Architecture | Should -Be 'amd64'
        @($info.Layers).Count | Should -Be 1
    }

    It 'has Cmd ["sh"] and the standard PATH in its config' {
        $config = (Invoke-Skopeo inspect --tls-verify=false --config "docker://$($oci.Reference)" | ConvertFrom-Json).config
        $config.Cmd | Should -Be @('sh')
        $config.Env | Should -Contain $StandardPath
    }

    It 'pushes OCI media types by default and Docker schema 2 with -Format v2s2' {
        # What a client sees: the registry's Content-Type for the manifest, and the layer types.
        $accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
        $ociResponse = Invoke-WebRequest -Uri "$($registry.Url)/v2/library/busybox/manifests/latest" -Headers @{ Accept = $accept }
        $ociResponse.Headers['Content-Type'] | Should -Be 'application/vnd.oci.image.manifest.v1+json'
        $ociManifest = [Text.Encoding]::UTF8.GetString($ociResponse.RawContentStream.ToArray()) | ConvertFrom-Json
        $ociManifest.layers[0].mediaType | Should -Be 'application/vnd.oci.image.layer.v1.tar+gzip'

        $dockerResponse = Invoke-WebRequest -Uri "$($registry.Url)/v2/library/busybox/manifests/v2s2" -Headers @{ Accept = $accept }
        $dockerResponse.Headers['Content-Type'] | Should -Be 'application/vnd.docker.distribution.manifest.v2+json'
        $dockerManifest = [Text.Encoding]::UTF8.GetString($dockerResponse.RawContentStream.ToArray()) | ConvertFrom-Json
        $dockerManifest.layers[0].mediaType | Should -Be 'application/vnd.docker.image.rootfs.diff.tar.gzip'
        # Same content either way: the layer blob is shared.
        $dockerManifest.layers[0].digest | Should -Be $ociManifest.layers[0].digest
    }

    It 'round-trips: the pulled layer holds the machine''s busybox, with a working link for every applet' {
        $pulled = Join-Path $work 'pulled'
        $bundle = Join-Path $work 'bundle'
        Invoke-Skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$($oci.Reference)" "oci:${pulled}:latest" | Out-Null
        & umoci unpack --image "${pulled}:latest" $bundle 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $bin = Join-Path $bundle 'rootfs/bin'

        (Get-FileHash -LiteralPath (Join-Path $bin 'busybox')).Hash | Should -Be (Get-FileHash -LiteralPath '/bin/busybox').Hash
        $applets = @(& /bin/busybox --list | Where-Object { $_ -ne 'busybox' })
        $applets.Count | Should -BeGreaterThan 100
        $links = @(Get-ChildItem -LiteralPath $bin | Where-Object LinkTarget -EQ 'busybox')
        $links.Count | Should -Be $applets.Count
        # Executable after the trip through a tar layer: the sh link runs busybox's shell.
        & (Join-Path $bin 'sh') -c 'echo hello' | Should -Be 'hello'
    }

    It 'shows the push and the pulls in the registry''s request log' {
        $requests = @(Get-TestRegistryRequests $registry)
        $requests | Where-Object { $_.Method -eq 'PUT' -and $_.Path -eq '/v2/library/busybox/manifests/latest' } |
            ForEach-Object Status | Should -Be 201
        $requests | Where-Object { $_.Method -eq 'PUT' -and $_.Path -eq '/v2/library/busybox/manifests/v2s2' } |
            ForEach-Object Status | Should -Be 201
        $layer = (Invoke-Skopeo inspect --tls-verify=false --raw "docker://$($oci.Reference)" | ConvertFrom-Json).layers[0].digest
        $layerGets = @($requests | Where-Object { $_.Method -eq 'GET' -and $_.Path -eq "/v2/library/busybox/blobs/$layer" })
        $layerGets.Count | Should -Be 1
        $layerGets[0].Status | Should -Be 200
        $layerGets[0].UserAgent | Should -Match '^skopeo/'
    }
}

Describe 'New-TestImage' {
    It 'adds one layer per scriptblock on a base image, deletions included, and sets the config' {
        $base = New-BusyboxImage
        $image = New-TestImage -Name harness-layers -Base $base.Layout -Cmd '/bin/cat', '/etc/greeting' `
            -Environment $StandardPath, 'GREETING=hi' -WorkingDir /tmp -Layer {
                param($RootFs)
                $null = New-Item -ItemType Directory -Path (Join-Path $RootFs 'etc') -Force
                Set-Content -LiteralPath (Join-Path $RootFs 'etc/greeting') -Value 'hello'
            }, {
                param($RootFs)
                Remove-Item -LiteralPath (Join-Path $RootFs 'bin/ls')
            }
        $work = New-TestTempDirectory
        try {
            $info = Invoke-Skopeo inspect "oci:$($image.Layout)" | ConvertFrom-Json
            @($info.Layers).Count | Should -Be 3
            $config = (Invoke-Skopeo inspect --config "oci:$($image.Layout)" | ConvertFrom-Json).config
            $config.Cmd | Should -Be @('/bin/cat', '/etc/greeting')
            $config.WorkingDir | Should -Be '/tmp'
            $config.Env | Should -Contain 'GREETING=hi'

            & umoci unpack --image $image.Layout (Join-Path $work 'bundle') 2>&1 | Out-Null
            $LASTEXITCODE | Should -Be 0
            Get-Content -LiteralPath (Join-Path $work 'bundle/rootfs/etc/greeting') | Should -Be 'hello'
            Join-Path $work 'bundle/rootfs/bin/ls' | Should -Not -Exist
            Join-Path $work 'bundle/rootfs/bin/cat' | Should -Exist
        }
        finally {
            Remove-Item -LiteralPath $work -Recurse -Force
        }
        # The base layout in the cache is untouched.
        (Invoke-Skopeo inspect "oci:$($base.Layout)" | ConvertFrom-Json).Layers.Count | Should -Be 1
    }
}

Describe 'New-HelloWorldImage' {
    It 'is the demo program alone at /hello, Cmd ["/hello"], and it runs after a trip through the registry' {
        $registry = Start-TestRegistry
        $work = New-TestTempDirectory
        try {
            $published = New-HelloWorldImage | Publish-TestImage -Registry $registry -Repository library/hello-world
            $config = (Invoke-Skopeo inspect --tls-verify=false --config "docker://$($published.Reference)" | ConvertFrom-Json).config
            $config.Cmd | Should -Be @('/hello')

            $pulled = Join-Path $work 'pulled'
            $bundle = Join-Path $work 'bundle'
            Invoke-Skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$($published.Reference)" "oci:${pulled}:latest" | Out-Null
            & umoci unpack --image "${pulled}:latest" $bundle 2>&1 | Out-Null
            $LASTEXITCODE | Should -Be 0
            @(Get-ChildItem -LiteralPath (Join-Path $bundle 'rootfs') -Recurse -Force).Name | Should -Be @('hello')

            # Statically linked (no program interpreter), since the image has no libc.
            & readelf --program-headers (Join-Path $bundle 'rootfs/hello') | Where-Object { $_ -match 'INTERP' } | Should -BeNullOrEmpty
            # Run here on the host, it reports the host's name.
            $output = & (Join-Path $bundle 'rootfs/hello')
            $LASTEXITCODE | Should -Be 0
            $output | Should -Contain 'Hello from PSContainer!'
            $output | Should -Contain " PS> Get-ContainerImage | Get-ContainerLayer"
            ($output | Where-Object { $_ -match '^\s+hostname:\s+(\S+)' } | ForEach-Object { $Matches[1] }) | Should -Be ([Environment]::MachineName)
        }
        finally {
            Stop-TestRegistry $registry
            Remove-Item -LiteralPath $work -Recurse -Force
        }
    }
}

Describe 'New-TestStore and Set-TestRegistryConfig' {
    It 'points PSCONTAINER_ROOT and PSCONTAINER_CONFIG at a fresh store, and Remove-TestStore restores them' {
        $savedRoot, $savedConfig = $env:PSCONTAINER_ROOT, $env:PSCONTAINER_CONFIG
        $env:PSCONTAINER_ROOT = '/previous/root'
        $env:PSCONTAINER_CONFIG = '/previous/config.json'
        try {
            $store = New-TestStore
            $env:PSCONTAINER_ROOT | Should -Be $store.Root
            $env:PSCONTAINER_CONFIG | Should -Be $store.ConfigPath
            $store.Root | Should -Exist
            Get-ChildItem -LiteralPath $store.Root -Force | Should -BeNullOrEmpty
            (Get-Content -LiteralPath $store.ConfigPath -Raw | ConvertFrom-Json -AsHashtable).Count | Should -Be 0

            $other = New-TestStore
            $other.Root | Should -Not -Be $store.Root
            Remove-TestStore $other
            $env:PSCONTAINER_ROOT | Should -Be $store.Root

            Remove-TestStore $store
            $env:PSCONTAINER_ROOT | Should -Be '/previous/root'
            $env:PSCONTAINER_CONFIG | Should -Be '/previous/config.json'
            $store.Directory | Should -Not -Exist
        }
        finally {
            $env:PSCONTAINER_ROOT, $env:PSCONTAINER_CONFIG = $savedRoot, $savedConfig
        }
    }

    It 'writes registry-mirrors and insecure-registries with daemon.json keys, and certs-directories' {
        $store = New-TestStore
        try {
            Set-TestRegistryConfig -Mirror 'http://127.0.0.1:5000' -Insecure '127.0.0.1:5000'
            $config = Get-Content -LiteralPath $env:PSCONTAINER_CONFIG -Raw | ConvertFrom-Json -AsHashtable
            @($config.Keys | Sort-Object) | Should -Be @('certs-directories', 'insecure-registries', 'registry-mirrors')
            # None unless asked: the machine's /etc/docker/certs.d must not leak into a test.
            , $config['certs-directories'] | Should -BeOfType [System.Collections.IList]
            $config['certs-directories'].Count | Should -Be 0
            # Arrays even with one entry, as docker's daemon.json has them.
            , $config['registry-mirrors'] | Should -BeOfType [System.Collections.IList]
            $config['registry-mirrors'] | Should -Be @('http://127.0.0.1:5000')
            $config['insecure-registries'] | Should -Be @('127.0.0.1:5000')
        }
        finally {
            Remove-TestStore $store
        }
    }
}
