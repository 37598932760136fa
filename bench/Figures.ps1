# The figures of bench/Invoke-Bench.ps1, one function each, dot-sourced into it (they use its $Images,
# $Rounds, $Temp, $Cache, Invoke-Podman, Invoke-Peer, Add-Result and $Failures). A figure that cannot be
# measured says why in its row instead of stopping the others, and the run then fails (see Invoke-Bench.ps1).

function Invoke-Figure([string]$Figure, [scriptblock]$Body) {
    Write-Step $Figure
    # What the previous figure wrote is flushed first (untimed): its writeback would otherwise land in this figure's
    # rounds, stalling every contender's fsyncs behind it.
    & sync
    try { & $Body }
    catch {
        Write-Warning "$Figure failed: $_"
        $Failures.Add("${Figure}: $_")
        Add-Result $Figure "failed: $($_.Exception.Message -replace '\|', '/' -replace '\s+', ' ')" '' 'n/a'
    }
}

function Test-Parameter([string]$Command, [string]$Parameter) {
    $info = Get-Command $Command -ErrorAction SilentlyContinue
    $info -and $info.Parameters.ContainsKey($Parameter)
}

# A store of our own for a figure: PSCONTAINER_ROOT/CONFIG point at it until it is removed.
function Use-Store { New-TestStore }

function Measure-PullFigure {
    Invoke-Figure 'cold pull + unpack of the large image' {
        $script:pullState = @{}
        $fresh = { param($key) if ($pullState[$key]) { Remove-PodmanRoot $pullState[$key] }; $pullState[$key] = New-TestTempDirectory "psc-bench-$key" }
        try {
            $stats = Measure-Alternating -Rounds $Rounds.Pull -Contender ([ordered]@{
                PSContainer = @{
                    Setup = { if ($pullState['store']) { Remove-TestStore $pullState['store'] }; $pullState['store'] = Use-Store }
                    Run   = { $null = Invoke-ContainerImagePull $Images.Large -Quiet }
                }
                podman = @{
                    Setup = { & $fresh 'podman' }
                    Run   = { Invoke-Podman $pullState['podman'] pull --tls-verify=false -q $Images.Large | Out-Null }
                }
                skopeo = @{
                    Setup = { & $fresh 'skopeo' }
                    Run   = { Invoke-Peer skopeo copy --quiet --src-tls-verify=false "docker://$($Images.Large)" "oci:$($pullState['skopeo'])/layout:latest" | Out-Null }
                }
                floor = @{
                    Setup = { & $fresh 'floor' }
                    Run   = { Invoke-FloorPull $Images.Large $pullState['floor'] }
                }
            })
        }
        finally {
            if ($pullState['store']) { Remove-TestStore $pullState['store'] }
            foreach ($key in 'podman', 'skopeo', 'floor') { if ($pullState[$key]) { Remove-PodmanRoot $pullState[$key] } }
        }
        $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
        Add-Result 'cold pull + unpack of the large image' (Format-Statistic $s.PSContainer) `
            ("podman pull: $(Format-Statistic $s.podman); skopeo copy to an OCI dir: $(Format-Statistic $s.skopeo); floor (curl + umoci unpack): $(Format-Statistic $s.floor)") `
            ("$(Format-Ratio $s.PSContainer $s.podman) of podman; $(Format-Ratio $s.PSContainer $s.floor) of the floor")
    }
}

# The physical floor of a pull: the raw blobs with curl into an OCI layout, then umoci unpack.
function Invoke-FloorPull([string]$Reference, [string]$Directory) {
    $hostPort, $rest = $Reference -split '/', 2
    $repository, $tag = $rest -split ':', 2
    $base = "http://$hostPort/v2/$repository"
    $layout = Join-Path $Directory 'layout'
    $blobs = New-Item -ItemType Directory -Force -Path (Join-Path $layout 'blobs/sha256')
    $accept = 'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json'
    $manifestPath = Join-Path $Directory 'manifest.json'
    Invoke-Checked curl -sf -H "Accept: $accept" -o $manifestPath "$base/manifests/$tag" | Out-Null
    $manifest = Get-Content -Raw -LiteralPath $manifestPath | ConvertFrom-Json
    $manifestDigest = 'sha256:' + (Get-FileHash -LiteralPath $manifestPath -Algorithm SHA256).Hash.ToLowerInvariant()
    Move-Item -LiteralPath $manifestPath -Destination (Join-Path $blobs $manifestDigest.Split(':')[1])
    foreach ($blob in @($manifest.config) + @($manifest.layers)) {
        Invoke-Checked curl -sf -o (Join-Path $blobs $blob.digest.Split(':')[1]) "$base/blobs/$($blob.digest)" | Out-Null
    }
    $size = (Get-Item -LiteralPath (Join-Path $blobs $manifestDigest.Split(':')[1])).Length
    Set-Content -LiteralPath (Join-Path $layout 'oci-layout') -Value '{"imageLayoutVersion":"1.0.0"}'
    $mediaType = if ($manifest.PSObject.Properties['mediaType']) { $manifest.mediaType } else { 'application/vnd.oci.image.manifest.v1+json' }
    Set-Content -LiteralPath (Join-Path $layout 'index.json') -Value (@{ schemaVersion = 2; manifests = @(@{ mediaType = $mediaType; digest = $manifestDigest; size = $size; annotations = @{ 'org.opencontainers.image.ref.name' = 'latest' } }) } | ConvertTo-Json -Depth 5 -Compress)
    Invoke-Checked umoci unpack --image "${layout}:latest" (Join-Path $Directory 'bundle') | Out-Null
}

function Measure-UnpackFigure {
    Invoke-Figure 'unpack of one large layer (20,000 files + 64 MiB)' {
        $layout = (Join-Path $Cache 'big-layer-layout')
        $index = Get-Content -Raw (Join-Path $layout 'index.json') | ConvertFrom-Json
        $manifest = Get-Content -Raw (Join-Path $layout "blobs/sha256/$($index.manifests[0].digest.Split(':')[1])") | ConvertFrom-Json
        $config = Get-Content -Raw (Join-Path $layout "blobs/sha256/$($manifest.config.digest.Split(':')[1])") | ConvertFrom-Json
        $blob = Join-Path $layout "blobs/sha256/$($manifest.layers[0].digest.Split(':')[1])"
        $diffId = [PSContainer.Runtime.Reference.Digest]::Parse($config.rootfs.diff_ids[0])
        $state = @{}
        $fresh = { param($key) if ($state[$key]) { Remove-Item -LiteralPath $state[$key] -Recurse -Force }; $state[$key] = New-TestTempDirectory "psc-bench-unpack-$key" }
        try {
            $stats = Measure-Alternating -Rounds $Rounds.Unpack -Contender ([ordered]@{
                PSContainer = @{
                    Setup  = { & $fresh 'ours' }
                    Run    = {
                        $stream = [System.IO.File]::OpenRead($blob)
                        try {
                            $unpacker = [PSContainer.Runtime.Layers.LayerUnpacker]::new($null)
                            $null = $unpacker.Unpack($stream, [PSContainer.Runtime.Spec.LayerCompression]::Gzip, $state['ours'], $diffId, 'bench', [System.Threading.CancellationToken]::None)
                        }
                        finally { $stream.Dispose() }
                    }
                    Verify = { Assert-Unpacked $state['ours'] }
                }
                umoci = @{
                    Setup  = { & $fresh 'umoci' }
                    Run    = { Invoke-Checked umoci unpack --image "${layout}:latest" (Join-Path $state['umoci'] 'bundle') | Out-Null }
                    Verify = { Assert-Unpacked (Join-Path $state['umoci'] 'bundle/rootfs') }
                }
            })
        }
        finally {
            foreach ($key in $state.Keys) { Remove-Item -LiteralPath $state[$key] -Recurse -Force -ErrorAction SilentlyContinue }
        }
        $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
        Add-Result 'unpack of one large layer (20,000 files + 64 MiB), engine call' (Format-Statistic $s.PSContainer) "umoci unpack: $(Format-Statistic $s.umoci)" "$(Format-Ratio $s.PSContainer $s.umoci) of umoci"
    }
}

# The big layer's last file and its size: both unpackers must have written all of it.
function Assert-Unpacked([string]$Rootfs) {
    $big = Get-Item -LiteralPath (Join-Path $Rootfs 'data/big.bin') -ErrorAction SilentlyContinue
    if (-not $big -or $big.Length -ne 64MB -or -not (Test-Path -LiteralPath (Join-Path $Rootfs 'data/039/file19999.txt'))) {
        throw "the layer was not fully unpacked into $Rootfs"
    }
}

function Measure-RunFigure {
    Invoke-Figure 'run true in busybox, warm session' {
        $store = Use-Store
        $podmanRoot = New-PodmanRoot
        try {
            $null = Invoke-ContainerImagePull $Images.Busybox -Quiet
            Invoke-Podman $podmanRoot pull --tls-verify=false -q $Images.Busybox | Out-Null
            # runc's bundle: umoci unpacks the same image and writes a runtime config; we only change the command.
            $bundle = Join-Path $Temp 'runc-bundle'
            Invoke-Checked umoci unpack --image ((New-BusyboxImage).Layout) $bundle | Out-Null
            $configPath = Join-Path $bundle 'config.json'
            $config = Get-Content -Raw -LiteralPath $configPath | ConvertFrom-Json
            $config.process.args = @('/bin/true')
            $config.process.terminal = $false
            Set-Content -LiteralPath $configPath -Value ($config | ConvertTo-Json -Depth 20)
            $rootfs = Join-Path $bundle 'rootfs'
            $removeSelf = Test-Parameter Start-Container Remove
            $script:runCount = 0
            $runOurs = {
                if ($removeSelf) { $null = Start-Container $Images.Busybox -Remove true }
                else { $null = Start-Container $Images.Busybox true }
            }
            # "Warm session": Start-Container alone until the JIT has settled (see Invoke-UntilJitIdle), then 30
            # rounds of every contender (their page cache), then the timed rounds.
            $script:jitWarmup = Invoke-UntilJitIdle -Action $runOurs
            Write-Host "    the JIT settled after $jitWarmup runs of Start-Container"
            $stats = Measure-Alternating -Rounds $Rounds.Run -Warmup 30 -Contender ([ordered]@{
                PSContainer = @{
                    # Start-Container puts the container's exit code in $LASTEXITCODE; a stale 0 must not pass.
                    Setup  = { $global:LASTEXITCODE = -1 }
                    Run    = $runOurs
                    Verify = {
                        if ($global:LASTEXITCODE -ne 0) { throw "Start-Container true: exit code $global:LASTEXITCODE" }
                        if ($removeSelf -and ($left = @(Get-Container -All).Count)) { throw "Start-Container -Remove: $left container(s) left" }
                    }
                }
                'podman run --rm' = @{ Run = { Invoke-Podman $podmanRoot run --rm --network none @PodmanUlimits $Images.Busybox true | Out-Null } }
                'runc run' = @{ Run = { $script:runCount++; Invoke-Checked runc run --bundle $bundle "psc-bench-$PID-$runCount" | Out-Null } }
                'floor (unshare + chroot)' = @{ Run = { Invoke-Checked unshare --mount --uts --ipc --net --pid --fork chroot $rootfs /bin/true | Out-Null } }
            })
            $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
            Add-Result "run ``true`` in busybox, warm session (the JIT settled: $jitWarmup runs first)$(if (-not $removeSelf) { ' (container kept: no -Remove yet)' })" (Format-Statistic $s.PSContainer) `
                ("podman run --rm: $(Format-Statistic $s.'podman run --rm'); runc run: $(Format-Statistic $s.'runc run'); floor (unshare + chroot): $(Format-Statistic $s.'floor (unshare + chroot)')") `
                ("$(Format-Ratio $s.PSContainer $s.'podman run --rm') of podman; $(Format-Ratio $s.PSContainer $s.'runc run') of runc")
        }
        finally {
            Remove-TestStore $store
            Remove-PodmanRoot $podmanRoot
        }
    }
}

function Measure-AssemblyFigure {
    Invoke-Figure 'rootfs assembly, 1 layer vs 100 layers' {
        $store = Use-Store
        try {
            $engine = [PSContainer.Runtime.ContainerEngine]::ForRoot($env:PSCONTAINER_ROOT)
            $one = Invoke-ContainerImagePull $Images.Layers1 -Quiet
            $hundred = Invoke-ContainerImagePull $Images.Layers100 -Quiet
            # Setup makes the container's directories (untimed); Run prepares the mounts, mounts, unmounts.
            $state = @{}
            $prepare = {
                if ($state['dir']) { Remove-Item -LiteralPath $state['dir'] -Recurse -Force }
                $state['dir'] = Join-Path $Temp ('asm-' + [guid]::NewGuid().ToString('n'))
                $state['target'] = (New-Item -ItemType Directory -Force -Path (Join-Path $state['dir'] 'rootfs')).FullName
            }
            $assemble = {
                param($image)
                $mounts = $engine.Snapshotter.PrepareRootfs($engine.Images.TopChainId($image), (Join-Path $state['dir'] 'upper'), (Join-Path $state['dir'] 'work'))
                # @() because PowerShell does not index the engine's read-only list type.
                [PSContainer.Runtime.Linux.Mounter]::Mount(@($mounts)[0], $state['target'])
                [PSContainer.Runtime.Linux.Mounter]::Unmount($state['target'], $false)
            }
            $stats = Measure-Alternating -Rounds $Rounds.Assembly -Warmup 2 -Contender ([ordered]@{
                '1 layer' = @{ Setup = $prepare; Run = { & $assemble $one } }
                '100 layers' = @{ Setup = $prepare; Run = { & $assemble $hundred } }
            })
            if ($state['dir']) { Remove-Item -LiteralPath $state['dir'] -Recurse -Force }
            $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
            Add-Result 'rootfs assembly (prepare + overlay mount + unmount), engine call' "1 layer: $(Format-Statistic $s.'1 layer'); 100 layers: $(Format-Statistic $s.'100 layers')" '—' "$(Format-Ratio $s.'100 layers' $s.'1 layer') (100-layer / 1-layer)"
        }
        finally { Remove-TestStore $store }
    }
}

# Starts 20 containers one after another from one session, as `1..20 | % { Start-Container -Detach }` and
# `podman run -d` in a loop would, then removes them all; every container must be running before the removal
# and gone after it.
function Measure-DetachedFigure {
    Invoke-Figure '20 detached containers started at once, then removed' {
        if (-not (Test-Parameter Start-Container Detach) -or -not (Get-Command Remove-Container -ErrorAction SilentlyContinue)) {
            throw 'Start-Container -Detach and Remove-Container are not built yet'
        }
        $store = Use-Store
        $podmanRoot = New-PodmanRoot
        try {
            $null = Invoke-ContainerImagePull $Images.Busybox -Quiet
            Invoke-Podman $podmanRoot pull --tls-verify=false -q $Images.Busybox | Out-Null
            $stats = Measure-Alternating -Rounds $Rounds.Detached -Contender ([ordered]@{
                PSContainer = @{
                    Run    = {
                        1..20 | ForEach-Object { $null = Start-Container $Images.Busybox -Detach sleep 60 }
                        $running = @(Get-Container -All)
                        $running | Remove-Container -Force
                        $running
                    }
                    Verify = {
                        param($running)
                        $up = @($running | Where-Object Status -eq 'Running').Count
                        if ($up -ne 20) { throw "PSContainer: $up of 20 containers were running before the removal" }
                        $left = @(Get-Container -All).Count
                        if ($left) { throw "PSContainer: $left containers left after Remove-Container -Force" }
                        # Untimed: the next round must not share the machine with this one's last exits.
                        if (Wait-ProcessUnder $env:PSCONTAINER_ROOT) { throw 'PSContainer: psc-shims still running 10 s after the removal' }
                    }
                }
                podman      = @{
                    Run    = {
                        1..20 | ForEach-Object { Invoke-Podman $podmanRoot run -d --network none @PodmanUlimits $Images.Busybox sleep 60 | Out-Null }
                        # rm -a prints the id of each container it removed.
                        Invoke-Podman $podmanRoot rm -f -t 0 -a
                    }
                    Verify = {
                        param($removed)
                        if (@($removed).Count -ne 20) { throw "podman: removed $(@($removed).Count) containers, not 20" }
                        $left = @(Invoke-Podman $podmanRoot ps -a -q).Count
                        if ($left) { throw "podman: $left containers left after rm -a" }
                        # Untimed: conmon and its `podman container cleanup` outlive `podman rm`.
                        if (Wait-ProcessUnder $podmanRoot) { throw 'podman: conmon or its cleanup still running 10 s after rm -a' }
                    }
                }
            })
            $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
            Add-Result '20 detached containers started at once, then removed' (Format-Statistic $s.PSContainer) "podman run -d, rm -f -a: $(Format-Statistic $s.podman)" "$(Format-Ratio $s.PSContainer $s.podman) of podman"
        }
        finally {
            Remove-TestStore $store
            Remove-PodmanRoot $podmanRoot
        }
    }
}

# What a detached container costs outside itself once podman or pwsh has returned: our psc-shim (stage 1, the
# container's monitor) against podman's conmon. Several containers of each run side by side, started in
# alternating order; each monitor's VmRSS is one sample.
function Measure-MonitorMemoryFigure {
    Invoke-Figure 'memory a running detached container costs outside itself (monitor RSS)' {
        if (-not (Test-Parameter Start-Container Detach)) { throw 'Start-Container -Detach is not built yet' }
        $store = Use-Store
        $podmanRoot = New-PodmanRoot
        try {
            $null = Invoke-ContainerImagePull $Images.Busybox -Quiet
            Invoke-Podman $podmanRoot pull --tls-verify=false -q $Images.Busybox | Out-Null
            $start = [ordered]@{
                PSContainer = {
                    $container = Start-Container $Images.Busybox -Detach sleep 120
                    if (-not $container.MonitorPid) { throw "PSContainer: no monitor pid for running container $($container.Name)" }
                    $container.MonitorPid
                }
                conmon      = {
                    $id = (Invoke-Podman $podmanRoot run -d --network none @PodmanUlimits $Images.Busybox sleep 120 | Select-Object -Last 1).Trim()
                    [int](Invoke-Podman $podmanRoot inspect -f '{{.State.ConmonPid}}' $id | Select-Object -Last 1)
                }
            }
            $pids = @{ PSContainer = [System.Collections.Generic.List[int]]::new(); conmon = [System.Collections.Generic.List[int]]::new() }
            for ($i = 0; $i -lt $Rounds.Monitor; $i++) {
                $order = if ($i % 2) { 'conmon', 'PSContainer' } else { 'PSContainer', 'conmon' }
                foreach ($name in $order) { $pids[$name].Add((& $start[$name])) }
            }
            # Let the monitors finish their start-up work before reading their resident set.
            Start-Sleep -Seconds 1
            $stats = @{}
            foreach ($name in $pids.Keys) {
                $bytes = foreach ($id in $pids[$name]) {
                    $rss = Get-ProcessRss $id
                    if (-not $rss) { throw "${name}: monitor process $id is gone" }
                    $rss
                }
                $stats[$name] = Get-BenchStatistic -Name $name -Seconds $bytes
            }
            $running = @(Get-Container | Where-Object Status -eq 'Running').Count
            if ($running -ne $Rounds.Monitor) { throw "PSContainer: $running of $($Rounds.Monitor) containers still running when measured" }
            Add-Result 'monitor RSS of a running detached container' "psc-shim: $(Format-Statistic $stats.PSContainer -Unit Bytes)" "conmon: $(Format-Statistic $stats.conmon -Unit Bytes)" "$(Format-Ratio $stats.PSContainer $stats.conmon) of conmon"
            Get-Container -All | Remove-Container -Force
            Invoke-Podman $podmanRoot rm -f -t 0 -a | Out-Null
        }
        finally {
            Remove-TestStore $store
            Remove-PodmanRoot $podmanRoot
        }
    }
}

# 200 distinct images (each its own layer and config), loaded into both stores from one docker archive; the
# listing is timed in a warm session, as a user at the prompt would run it.
function Measure-ImageListFigure {
    Invoke-Figure 'Get-ContainerImage with 200 images in the store' {
        if (-not (Get-Command Import-ContainerImage -ErrorAction SilentlyContinue)) { throw 'Import-ContainerImage is not built yet' }
        $archive = New-ManyImagesArchive 200
        $store = Use-Store
        $podmanRoot = New-PodmanRoot
        try {
            $null = Import-ContainerImage -Path $archive -Quiet
            Invoke-Podman $podmanRoot load -q -i $archive | Out-Null
            $stats = Measure-Alternating -Rounds $Rounds.Images -Warmup 1 -Contender ([ordered]@{
                PSContainer     = @{
                    Run    = { Get-ContainerImage }
                    Verify = { param($listed) Assert-ImageCount 'Get-ContainerImage' @($listed).Count }
                }
                'podman images' = @{
                    Run    = { Invoke-Podman $podmanRoot images --noheading }
                    Verify = { param($listed) Assert-ImageCount 'podman images' @($listed).Count }
                }
            })
            $s = @{}; $stats | ForEach-Object { $s[$_.Name] = $_ }
            Add-Result 'Get-ContainerImage with 200 images in the store (warm session)' (Format-Statistic $s.PSContainer) "podman images: $(Format-Statistic $s.'podman images')" "$(Format-Ratio $s.PSContainer $s.'podman images') of podman"
        }
        finally {
            Remove-TestStore $store
            Remove-PodmanRoot $podmanRoot
        }
    }
}

function Assert-ImageCount([string]$Lister, [int]$Count) {
    if ($Count -ne 200) { throw "${Lister} listed $Count images, not 200" }
}
