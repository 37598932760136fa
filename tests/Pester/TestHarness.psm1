# TestHarness.psm1: the fixtures every Pester file (and the demo) builds on.
#
# Images are made only with real, independent tools: umoci builds OCI layouts, skopeo pushes them,
# and Debian's distribution registry (docker-registry) serves them. Nothing here uses PSContainer's
# own code, so a bug in the engine cannot hide itself by also being in the fixture.

Set-StrictMode -Version Latest

# Bump when the way images are built changes, so a persistent cache never serves an old build.
$script:HarnessVersion = 1
# The file in the run's cache that lists every directory New-TestTempDirectory made (see build.ps1's Test task).
$script:TempListFile = 'temp-directories.txt'
$script:ProbeUserAgent = 'psc-test-harness-probe'
$script:DefaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

#region helpers

# Runs a native tool and throws with its output if it fails: a fixture that half-worked must not
# turn into a confusing assertion failure three steps later.
function Invoke-Tool {
    # A plain function (not advanced) so that arguments like --image reach $args untouched;
    # arrays among them are flattened, so callers can build argument lists.
    $filePath = $args[0]
    $argumentList = @($args | Select-Object -Skip 1 | ForEach-Object { $_ })
    $output = & $filePath @argumentList 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "$filePath $($argumentList -join ' ') failed with exit code ${LASTEXITCODE}:`n$($output -join "`n")"
    }
    $output | ForEach-Object { "$_" }
}

function New-TestTempDirectory {
    param([string]$Prefix = 'psc-test')
    $path = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
    $made = (New-Item -ItemType Directory -Path $path).FullName
    # Listed in the run's cache (build.ps1 deletes every listed directory after the run), from whichever process.
    if ($env:PSCONTAINER_TEST_CACHE) { Add-Content -LiteralPath (Join-Path (Get-TestCacheDirectory) $script:TempListFile) -Value $made }
    $made
}

# Asks the kernel for a free port by binding to port 0. Another process could take it before the
# registry binds it; Start-TestRegistry retries on "address already in use" for that reason.
function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try {
        $listener.Start()
        $listener.LocalEndpoint.Port
    }
    finally {
        $listener.Stop()
    }
}

function Get-TestCacheDirectory {
    # build.ps1 points this at a per-run directory and removes it afterwards; a test file run by
    # hand falls back to a shared directory, which is safe because entries are keyed by content.
    $path = if ($env:PSCONTAINER_TEST_CACHE) { $env:PSCONTAINER_TEST_CACHE }
            else { Join-Path ([IO.Path]::GetTempPath()) 'psc-test-cache' }
    $null = New-Item -ItemType Directory -Force -Path $path
    $path
}

function Get-StringHash {
    param([string]$Text)
    $bytes = [Text.Encoding]::UTF8.GetBytes($Text)
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
}


#endregion

#region registry

function Start-TestRegistry {
    <#
    .SYNOPSIS
    Runs Debian's distribution registry on 127.0.0.1 on a free port with a fresh, empty storage.
    .DESCRIPTION
    -Auth basic protects it with an htpasswd file (bcrypt, made with python3-bcrypt); -Auth token
    puts it in distribution's `auth: token` mode behind Fixtures/token_server.py, which signs JWTs
    with a key made for this registry (anonymous clients may pull repositories under public/).
    Either way the user is in Credential (psc-test, random password). -Tls serves HTTPS with a
    certificate from the run's test CA (New-TestCertificateAuthority). -AllowForeignUrls lets
    manifests name layers by `urls` on 127.0.0.1 (distribution's validation.manifests.urls).
    .OUTPUTS
    An object with Url (http[s]://127.0.0.1:<port>), HostPort (127.0.0.1:<port>), Port,
    StorageDirectory, LogFile, ConfigFile, Directory, Process, Auth, Tls, Credential, and for -Tls
    CaCertificate; for -Auth token TokenUrl, TokenLog and TokenProcess. Stop it with Stop-TestRegistry.
    #>
    [CmdletBinding()]
    param(
        [ValidateSet('none', 'basic', 'token')][string]$Auth = 'none',
        [switch]$Tls,
        [switch]$AllowForeignUrls,
        # Seconds a token is valid (-Auth token).
        [int]$TokenLifetime = 300,
        [int]$TimeoutSeconds = 30
    )

    $directory = New-TestTempDirectory 'psc-registry'
    $storage = (New-Item -ItemType Directory -Path (Join-Path $directory 'storage')).FullName
    $logFile = Join-Path $directory 'registry.log'
    $configFile = Join-Path $directory 'config.yml'
    $password = [guid]::NewGuid().ToString('n')
    $credential = [pscredential]::new('psc-test', (ConvertTo-SecureString $password -AsPlainText -Force))
    $tokenProcess = $null
    $extra = @{}

    try {
        $authYaml = ''
        if ($Auth -eq 'basic') {
            $htpasswd = Join-Path $directory 'htpasswd'
            $hash = Invoke-Tool /usr/bin/python3 -c "import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=4)).decode())" $password
            Set-Content -LiteralPath $htpasswd -Value "psc-test:$hash"
            $authYaml = "auth:`n  htpasswd:`n    realm: psc-test`n    path: $htpasswd`n"
        }
        elseif ($Auth -eq 'token') {
            $key = Join-Path $directory 'token.key'
            $cert = Join-Path $directory 'token.crt'
            Invoke-Tool openssl req -x509 -newkey rsa:2048 -nodes -keyout $key -out $cert -days 2 -subj '/CN=psc-test-token' | Out-Null
            $users = Join-Path $directory 'users.json'
            Set-Content -LiteralPath $users -Value (ConvertTo-Json @{ 'psc-test' = $password })
            $tokenLog = Join-Path $directory 'token.log'
            $null = New-Item -ItemType File -Path $tokenLog
            $tokenPort = Get-FreeTcpPort
            $tokenProcess = Start-Fixture -Script 'token_server.py' -LogFile (Join-Path $directory 'token-server.out') -ArgumentList @(
                '--port', $tokenPort, '--key', $key, '--cert', $cert, '--issuer', 'psc-test-issuer',
                '--users', $users, '--log', $tokenLog, '--expires', $TokenLifetime)
            Wait-TestHttp -Url "http://127.0.0.1:$tokenPort/healthz" -Process $tokenProcess -TimeoutSeconds $TimeoutSeconds -LogFile (Join-Path $directory 'token-server.out')
            $extra.TokenUrl = "http://127.0.0.1:$tokenPort/token"
            $extra.TokenLog = $tokenLog
            $extra.TokenProcess = $tokenProcess
            $authYaml = "auth:`n  token:`n    realm: http://127.0.0.1:$tokenPort/token`n    service: psc-test-registry`n    issuer: psc-test-issuer`n    rootcertbundle: $cert`n"
        }
        $tlsYaml = ''
        $scheme = 'http'
        if ($Tls) {
            $ca = New-TestCertificateAuthority
            $tlsYaml = "  tls:`n    certificate: $($ca.ServerCertificate)`n    key: $($ca.ServerKey)`n"
            $scheme = 'https'
            $extra.CaCertificate = $ca.Certificate
        }
        $urlsYaml = if ($AllowForeignUrls) { "validation:`n  manifests:`n    urls:`n      allow:`n        - '^https?://127\.0\.0\.1:'`n" } else { '' }

        foreach ($attempt in 1..3) {
            $port = Get-FreeTcpPort
            # Log level info makes the registry write one access-log line per request, which is
            # what Get-TestRegistryRequests reads.
            Set-Content -LiteralPath $configFile -Value @"
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: psc-test-$([guid]::NewGuid().ToString('n'))
$tlsYaml$authYaml$urlsYaml
"@
            # sh redirects straight into the file, then execs, so the Process object *is* the
            # registry and every log line is on disk as soon as the registry writes it (no pipe
            # that a reader thread in this process would have to drain and flush).
            $startInfo = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
            foreach ($arg in @('-c', 'exec "$0" serve "$1" </dev/null >>"$2" 2>&1', '/usr/bin/docker-registry', $configFile, $logFile)) {
                $startInfo.ArgumentList.Add($arg)
            }
            $startInfo.UseShellExecute = $false
            # distribution reads every REGISTRY_* variable as a configuration override (REGISTRY_AUTH_FILE,
            # which podman and New-TestStore use for credentials, would become auth.file).
            foreach ($name in @($startInfo.Environment.Keys | Where-Object { $_ -like 'REGISTRY_*' })) { $null = $startInfo.Environment.Remove($name) }
            $process = [System.Diagnostics.Process]::Start($startInfo)

            $url = "${scheme}://127.0.0.1:$port"
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                try {
                    $response = Invoke-WebRequest -Uri "$url/v2/" -UserAgent $script:ProbeUserAgent -TimeoutSec 2 -SkipHttpErrorCheck -SkipCertificateCheck
                    # 401: up, and asking for credentials (basic or token auth).
                    if ($response.StatusCode -in 200, 401) {
                        $registry = [pscustomobject]@{
                            PSTypeName       = 'PSContainer.TestRegistry'
                            Url              = $url
                            HostPort         = "127.0.0.1:$port"
                            Port             = $port
                            StorageDirectory = $storage
                            LogFile          = $logFile
                            ConfigFile       = $configFile
                            Directory        = $directory
                            Process          = $process
                            Auth             = $Auth
                            Tls              = [bool]$Tls
                            Credential       = $credential
                        }
                        foreach ($name in $extra.Keys) { $registry | Add-Member -NotePropertyName $name -NotePropertyValue $extra[$name] }
                        return $registry
                    }
                }
                catch {
                    # Not listening yet.
                }
                Start-Sleep -Milliseconds 50
            }

            $log = if (Test-Path -LiteralPath $logFile) { Get-Content -LiteralPath $logFile -Raw } else { '' }
            if (-not $process.HasExited) {
                $process.Kill()
                $process.WaitForExit()
                throw "docker-registry did not answer GET $url/v2/ within $TimeoutSeconds s. Log:`n$log"
            }
            if ($log -notmatch 'address already in use') {
                throw "docker-registry exited with code $($process.ExitCode). Log:`n$log"
            }
            # Lost the race for the port to another process: try another one.
        }
        throw 'docker-registry could not bind a free port in 3 attempts.'
    }
    catch {
        if ($tokenProcess -and -not $tokenProcess.HasExited) { $tokenProcess.Kill(); $tokenProcess.WaitForExit() }
        Remove-Item -LiteralPath $directory -Recurse -Force -ErrorAction SilentlyContinue
        throw
    }
}

function Stop-TestRegistry {
    <#
    .SYNOPSIS
    Kills the registry, waits for it to exit and removes its storage, config and log.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)][psobject]$Registry,
        # Leave the storage and log on disk (to look at them after a failure).
        [switch]$KeepFiles
    )
    process {
        if (-not $Registry.Process.HasExited) {
            # The registry keeps no state that a graceful shutdown would save.
            $Registry.Process.Kill()
        }
        $Registry.Process.WaitForExit()
        if ($Registry.PSObject.Properties['TokenProcess'] -and -not $Registry.TokenProcess.HasExited) {
            $Registry.TokenProcess.Kill()
            $Registry.TokenProcess.WaitForExit()
        }
        if (-not $KeepFiles) {
            Remove-Item -LiteralPath $Registry.Directory -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

function Get-TestRegistryRequests {
    <#
    .SYNOPSIS
    The requests the registry has served so far, oldest first, parsed from its access log:
    Method, Path (without the query), Query, Status, Size, UserAgent. The harness's own
    readiness probes are left out. To see only what one step sent, count the requests before it
    and Select-Object -Skip that count afterwards.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][psobject]$Registry)

    # The registry writes the access-log line just after it sends the response, so a client can
    # be a hair faster than the log. Wait until the file stops growing (briefly) before reading.
    $deadline = [DateTime]::UtcNow.AddSeconds(2)
    $length = -1
    while ([DateTime]::UtcNow -lt $deadline) {
        $current = (Get-Item -LiteralPath $Registry.LogFile).Length
        if ($current -eq $length) { break }
        $length = $current
        Start-Sleep -Milliseconds 100
    }

    # Combined log format: 127.0.0.1 - - [time] "GET /v2/ HTTP/1.1" 200 2 "referer" "user-agent"
    $pattern = '^\S+ \S+ \S+ \[[^\]]+\] "(?<method>[A-Z]+) (?<target>\S+) [^"]*" (?<status>\d{3}) (?<size>\d+|-) "[^"]*" "(?<agent>[^"]*)"'
    foreach ($line in [IO.File]::ReadAllLines($Registry.LogFile)) {
        $m = [regex]::Match($line, $pattern)
        if (-not $m.Success -or $m.Groups['agent'].Value -eq $script:ProbeUserAgent) { continue }
        $target = $m.Groups['target'].Value
        $query = ''
        $q = $target.IndexOf('?')
        if ($q -ge 0) {
            $query = $target.Substring($q + 1)
            $target = $target.Substring(0, $q)
        }
        [pscustomobject]@{
            PSTypeName = 'PSContainer.TestRegistryRequest'
            Method     = $m.Groups['method'].Value
            Path       = $target
            Query      = $query
            Status     = [int]$m.Groups['status'].Value
            Size       = if ($m.Groups['size'].Value -eq '-') { 0 } else { [long]$m.Groups['size'].Value }
            UserAgent  = $m.Groups['agent'].Value
        }
    }
}


#endregion

#region images

function New-TestImage {
    <#
    .SYNOPSIS
    Builds an OCI image layout with umoci and returns it as Name, Path, Tag and Layout ("<path>:<tag>").
    .DESCRIPTION
    Each -Layer scriptblock gets the bundle's rootfs directory as its first argument, changes it
    (copy files in, make links, delete files to get whiteouts) and becomes one layer through
    `umoci repack`. The result is cached per run under -Name plus a hash of the definition, so
    -Name must identify the content when the scriptblocks read outside variables.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][ValidatePattern('^[a-z0-9][a-z0-9._-]*$')][string]$Name,
        [Parameter(Mandatory)][scriptblock[]]$Layer,
        # Layout reference ("<path>:<tag>") of an image to build on.
        [string]$Base,
        [string[]]$Cmd,
        [string[]]$Entrypoint,
        [Alias('Env')][string[]]$Environment = @("PATH=$script:DefaultPath"),
        [string]$WorkingDir,
        # The image's StopSignal (umoci config --config.stopsignal).
        [string]$StopSignal,
        # The image's VOLUMEs (umoci config --config.volume).
        [string[]]$Volume,
        [string]$Tag = 'latest',
        # Extra input for the cache key, for content the scriptblocks read from elsewhere.
        [string]$CacheKey = ''
    )

    $definition = @($script:HarnessVersion, $Base, $Tag, $CacheKey, ($Cmd -join "`0"), ($Entrypoint -join "`0"),
        ($Environment -join "`0"), $WorkingDir, $StopSignal) + @($Volume | Where-Object { $_ } | ForEach-Object { "volume:$_" }) +
        @($Layer | ForEach-Object { $_.ToString() })
    $config = @{ Environment = $Environment; WorkingDir = $WorkingDir; StopSignal = $StopSignal; Volume = $Volume }
    if ($PSBoundParameters.ContainsKey('Cmd')) { $config.Cmd = $Cmd }
    if ($PSBoundParameters.ContainsKey('Entrypoint')) { $config.Entrypoint = $Entrypoint }
    Build-TestLayout -Name $Name -Definition $definition -Base $Base -Tag $Tag -Config $config -AddLayers {
        param($image, $work)
        $i = 0
        foreach ($block in $Layer) {
            $bundle = Join-Path $work "bundle$i"
            $i++
            Invoke-Tool umoci unpack --image $image $bundle | Out-Null
            & $block (Join-Path $bundle 'rootfs')
            Invoke-Tool umoci repack --image $image $bundle | Out-Null
            # rm, not Remove-Item: .NET cannot name files whose names are not UTF-8, and a layer may hold some.
            Invoke-Tool rm -rf -- $bundle | Out-Null
        }
    }
}

# The cached build both image builders share: a layout in the run's cache named by -Name and a hash of -Definition,
# made in a temp directory (from -Base or empty), given its layers by -AddLayers (param($image, $work)), configured
# from -Config (Cmd, Entrypoint, Environment, WorkingDir, StopSignal; Cmd and Entrypoint only when present) and
# renamed into place, so an interrupted build never looks like a finished one.
function Build-TestLayout {
    param([string]$Name, [object[]]$Definition, [string]$Base, [string]$Tag, [hashtable]$Config, [scriptblock]$AddLayers)
    $path = Join-Path (Get-TestCacheDirectory) "$Name-$((Get-StringHash ($Definition -join "`n")).Substring(0, 16))"
    $result = [pscustomobject]@{ PSTypeName = 'PSContainer.TestImage'; Name = $Name; Path = $path; Tag = $Tag; Layout = "${path}:$Tag" }
    if (Test-Path -LiteralPath (Join-Path $path 'index.json')) {
        return $result
    }

    $work = New-TestTempDirectory 'psc-image-build'
    try {
        $layout = Join-Path $work 'layout'
        $image = "${layout}:$Tag"
        if ($Base) {
            $basePath, $baseTag = $Base -split ':(?=[^:]+$)'
            Copy-Item -LiteralPath $basePath -Destination $layout -Recurse
            if ($baseTag -ne $Tag) { Invoke-Tool umoci tag --image "${layout}:$baseTag" $Tag | Out-Null }
        }
        else {
            Invoke-Tool umoci init --layout $layout | Out-Null
            Invoke-Tool umoci new --image $image | Out-Null
        }

        & $AddLayers $image $work

        $configArgs = @('config', '--image', $image)
        if ($Config.ContainsKey('Cmd')) { $configArgs += @('--clear=config.cmd') + @($Config.Cmd | ForEach-Object { "--config.cmd=$_" }) }
        if ($Config.ContainsKey('Entrypoint')) { $configArgs += @('--clear=config.entrypoint') + @($Config.Entrypoint | ForEach-Object { "--config.entrypoint=$_" }) }
        if ($Config['Environment']) { $configArgs += @($Config['Environment'] | ForEach-Object { "--config.env=$_" }) }
        if ($Config['WorkingDir']) { $configArgs += "--config.workingdir=$($Config['WorkingDir'])" }
        if ($Config['StopSignal']) { $configArgs += "--config.stopsignal=$($Config['StopSignal'])" }
        if ($Config['Volume']) { $configArgs += @($Config['Volume'] | ForEach-Object { "--config.volume=$_" }) }
        Invoke-Tool umoci $configArgs | Out-Null
        # Every umoci step writes a new manifest and config; drop the ones no tag points to.
        Invoke-Tool umoci gc --layout $layout | Out-Null

        if (-not (Test-Path -LiteralPath $path)) {
            Move-Item -LiteralPath $layout -Destination $path
        }
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
    $result
}

function New-TarLayerImage {
    <#
    .SYNOPSIS
    Builds an OCI image layout whose layers are tar files the test writes itself (python's tarfile
    for entries no filesystem walk would produce: explicit whiteouts and opaque markers, odd orders,
    exact modes and times), added verbatim with `umoci raw add-layer`. Returns what New-TestImage does.
    .DESCRIPTION
    Each -Layer scriptblock gets the path of the tar file to write as its first argument. -Base,
    -Cmd, -Entrypoint, -Environment and the cache behave as in New-TestImage.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][ValidatePattern('^[a-z0-9][a-z0-9._-]*$')][string]$Name,
        [Parameter(Mandatory)][scriptblock[]]$Layer,
        [string]$Base,
        [string[]]$Cmd,
        [string[]]$Entrypoint,
        [Alias('Env')][string[]]$Environment = @("PATH=$script:DefaultPath"),
        [string]$Tag = 'latest',
        [string]$CacheKey = ''
    )

    $definition = @($script:HarnessVersion, 'tar-layers', $Base, $Tag, $CacheKey, ($Cmd -join "`0"), ($Entrypoint -join "`0"),
        ($Environment -join "`0")) + @($Layer | ForEach-Object { $_.ToString() })
    $config = @{ Environment = $Environment }
    if ($PSBoundParameters.ContainsKey('Cmd')) { $config.Cmd = $Cmd }
    if ($PSBoundParameters.ContainsKey('Entrypoint')) { $config.Entrypoint = $Entrypoint }
    Build-TestLayout -Name $Name -Definition $definition -Base $Base -Tag $Tag -Config $config -AddLayers {
        param($image, $work)
        $i = 0
        foreach ($block in $Layer) {
            $tar = Join-Path $work "layer$i.tar"
            $i++
            & $block $tar
            if (-not (Test-Path -LiteralPath $tar)) { throw "layer scriptblock $i wrote no tar at $tar" }
            Invoke-Tool umoci raw add-layer --image $image $tar | Out-Null
        }
    }
}

function Invoke-PythonTar {
    <#
    .SYNOPSIS
    Writes a tar file with python3's tarfile (PAX format): -Script is python code run with `out`
    (the open TarFile), `tarfile`, `io` and a helper add(name, data=b'', type=tarfile.REGTYPE,
    mode=0o644, uid=0, gid=0, mtime=1577934245, link='', pax=None, major=0, minor=0) in scope.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path, [Parameter(Mandatory)][string]$Script)
    $program = @'
import sys, tarfile, io
out = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
def add(name, data=b'', type=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, mtime=1577934245, link='', pax=None, major=0, minor=0):
    ti = tarfile.TarInfo(name); ti.type = type; ti.mode = mode; ti.uid = uid; ti.gid = gid; ti.mtime = mtime
    ti.linkname = link; ti.devmajor = major; ti.devminor = minor; ti.size = len(data) if type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
    if pax: ti.pax_headers = pax
    out.addfile(ti, io.BytesIO(data) if ti.size else None)
exec(sys.stdin.read())
out.close()
'@
    # Debian's python3, not a version manager's shim on PATH (a second per call).
    $python = if (Test-Path -LiteralPath '/usr/bin/python3') { '/usr/bin/python3' } else { 'python3' }
    $output = $Script | & $python -c $program $Path 2>&1
    if ($LASTEXITCODE -ne 0) { throw "python3 tarfile failed: $($output -join "`n")" }
}

function New-BusyboxImage {
    <#
    .SYNOPSIS
    A busybox image made from the machine's /bin/busybox (busybox-static): the binary plus a
    symlink in /bin for every applet it lists, Cmd ["sh"], the usual PATH.
    #>
    [CmdletBinding()]
    param([string]$Tag = 'latest')

    $busybox = '/bin/busybox'
    $hash = (Get-FileHash -LiteralPath $busybox -Algorithm SHA256).Hash
    New-TestImage -Name busybox -Tag $Tag -CacheKey $hash -Cmd sh -Environment "PATH=$script:DefaultPath" -Layer {
        param($RootFs)
        $bin = New-Item -ItemType Directory -Force -Path (Join-Path $RootFs 'bin')
        Copy-Item -LiteralPath '/bin/busybox' -Destination (Join-Path $bin 'busybox')
        foreach ($applet in & /bin/busybox --list) {
            if ($applet -ne 'busybox') {
                # Relative, like the official image, so the link works inside any rootfs.
                $null = [IO.File]::CreateSymbolicLink((Join-Path $bin $applet), 'busybox')
            }
        }
    }
}

function New-HelloWorldImage {
    <#
    .SYNOPSIS
    The demo's hello-world image: demo/hello-world/hello.c compiled with `gcc -static -Os -s`,
    alone at /hello, Cmd ["/hello"]. Like Docker's hello-world, it needs nothing else.
    #>
    [CmdletBinding()]
    param([string]$Tag = 'latest')

    $source = Join-Path $PSScriptRoot '../../demo/hello-world/hello.c'
    $hash = (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash.ToLowerInvariant()
    $binary = Join-Path (Get-TestCacheDirectory) "hello-$($hash.Substring(0, 16))"
    if (-not (Test-Path -LiteralPath $binary)) {
        $partial = "$binary.partial-$PID"
        Invoke-Tool gcc -static -Os -s -o $partial $source | Out-Null
        Move-Item -LiteralPath $partial -Destination $binary -Force
    }
    New-TestImage -Name hello-world -Tag $Tag -CacheKey $hash -Cmd '/hello' -Layer {
        param($RootFs)
        Copy-Item -LiteralPath $binary -Destination (Join-Path $RootFs 'hello')
    }.GetNewClosure()
}

function New-SyscallProbeImage {
    <#
    .SYNOPSIS
    An image with /syscall-probe (Fixtures/syscall-probe.c, compiled with `gcc -static`) on top of -Base
    (a layout reference such as New-BusyboxImage's), Cmd ["/syscall-probe"]. The probe prints, for a few
    system calls, "<name> OK" or "<name> <ERRNO>": what the container's seccomp filter lets through.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Base, [string]$Tag = 'latest')

    $source = Join-Path $PSScriptRoot 'Fixtures/syscall-probe.c'
    $hash = (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash.ToLowerInvariant()
    $binary = Join-Path (Get-TestCacheDirectory) "syscall-probe-$($hash.Substring(0, 16))"
    if (-not (Test-Path -LiteralPath $binary)) {
        $partial = "$binary.partial-$PID"
        Invoke-Tool gcc -static -O2 -o $partial $source | Out-Null
        Move-Item -LiteralPath $partial -Destination $binary -Force
    }
    New-TestImage -Name syscall-probe -Base $Base -Tag $Tag -CacheKey $hash -Cmd '/syscall-probe' -Layer {
        param($RootFs)
        Copy-Item -LiteralPath $binary -Destination (Join-Path $RootFs 'syscall-probe')
    }.GetNewClosure()
}

function Get-TreeWalker {
    <#
    .SYNOPSIS
    The path of Fixtures/treewalk.c compiled with `gcc -static` (cached per run): a program that
    prints one line per file under a root with everything a process can observe of it (type, mode,
    owner, size, mtime, link target, device numbers, inode, link count, a content hash, xattrs), run
    inside containers and on the host alike to compare root filesystems.
    #>
    [CmdletBinding()]
    param()
    $source = Join-Path $PSScriptRoot 'Fixtures/treewalk.c'
    $hash = (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash.ToLowerInvariant()
    $binary = Join-Path (Get-TestCacheDirectory) "treewalk-$($hash.Substring(0, 16))"
    if (-not (Test-Path -LiteralPath $binary)) {
        $partial = "$binary.partial-$PID"
        Invoke-Tool gcc -static -O2 -Wall -Werror -o $partial $source | Out-Null
        Move-Item -LiteralPath $partial -Destination $binary -Force
    }
    $binary
}

function Publish-TestImage {
    <#
    .SYNOPSIS
    Pushes an OCI layout to a test registry with skopeo; returns Reference, Repository, Tag, Digest, Format.
    .PARAMETER Registry
    A registry from Start-TestRegistry (its Credential is used when it has authentication), or a host:port string.
    .PARAMETER Format
    oci keeps the OCI media types; v2s2 converts to Docker's schema 2 manifest.
    .PARAMETER Compression
    gzip (skopeo's default), zstd (--dest-compress-format zstd) or none: uncompressed layers, which
    skopeo cannot push (containers/image compresses for registries), so Fixtures/push_layout.py does
    (anonymous registries only).
    .PARAMETER All
    Copies every image of an index (a multi-platform layout), not only this machine's.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)][string]$Layout,
        [Parameter(Mandatory)][psobject]$Registry,
        [Parameter(Mandatory)][string]$Repository,
        [string]$Tag = 'latest',
        [ValidateSet('oci', 'v2s2')][string]$Format = 'oci',
        [ValidateSet('gzip', 'zstd', 'none')][string]$Compression = 'gzip',
        [switch]$All,
        [pscredential]$Credential
    )
    process {
        $hostPort = if ($Registry -is [string]) { $Registry } else { $Registry.HostPort }
        if (-not $Credential -and $Registry -isnot [string] -and $Registry.PSObject.Properties['Auth'] -and $Registry.Auth -ne 'none') {
            $Credential = $Registry.Credential
        }
        $reference = "$hostPort/${Repository}:$Tag"
        $digestFile = [IO.Path]::GetTempFileName()
        try {
            # --insecure-policy: these are our own fixtures, no signature policy applies; it also
            # keeps the harness independent of /etc/containers/policy.json.
            $skopeoArgs = @('--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--digestfile', $digestFile)
            if ($Format -eq 'v2s2') { $skopeoArgs += @('--format', 'v2s2') }
            if ($Compression -eq 'zstd') { $skopeoArgs += @('--dest-compress-format', 'zstd') }
            if ($All) { $skopeoArgs += '--all' }
            if ($Credential) { $skopeoArgs += @('--dest-creds', "$($Credential.UserName):$($Credential.GetNetworkCredential().Password)") }
            if ($Compression -eq 'none') {
                $layoutPath, $layoutTag = $Layout -split ':(?=[^:]+$)'
                Invoke-Tool /usr/bin/python3 (Join-Path $PSScriptRoot 'Fixtures/push_layout.py') --layout $layoutPath --tag $layoutTag `
                    --registry $hostPort --repository $Repository --reference $Tag --decompress | Set-Content -LiteralPath $digestFile -NoNewline
            }
            else {
                Invoke-Tool skopeo ($skopeoArgs + @("oci:$Layout", "docker://$reference")) | Out-Null
            }
            [pscustomobject]@{
                PSTypeName = 'PSContainer.PublishedTestImage'
                Reference  = $reference
                Repository = $Repository
                Tag        = $Tag
                Digest     = (Get-Content -LiteralPath $digestFile -Raw).Trim()
                Format     = $Format
            }
        }
        finally {
            Remove-Item -LiteralPath $digestFile -Force -ErrorAction SilentlyContinue
        }
    }
}

#endregion

#region store

function New-TestStore {
    <#
    .SYNOPSIS
    Points PSCONTAINER_ROOT at a fresh, empty directory and PSCONTAINER_CONFIG at a fresh config
    file ("{}"), so a test never sees the machine's store or another test's. Credentials are
    isolated the same way: REGISTRY_AUTH_FILE (AuthFile, not created) and DOCKER_CONFIG
    (DockerConfigDirectory, empty) point into the store's directory. Returns Root, ConfigPath,
    AuthFile, DockerConfigDirectory and Directory; Remove-TestStore deletes it and restores the
    previous variables.
    #>
    [CmdletBinding()]
    param()
    $directory = New-TestTempDirectory 'psc-store'
    $root = (New-Item -ItemType Directory -Path (Join-Path $directory 'root')).FullName
    $config = Join-Path $directory 'config.json'
    Set-Content -LiteralPath $config -Value '{}'
    $dockerConfig = (New-Item -ItemType Directory -Path (Join-Path $directory 'docker')).FullName
    $store = [pscustomobject]@{
        PSTypeName            = 'PSContainer.TestStore'
        Root                  = $root
        ConfigPath            = $config
        AuthFile              = Join-Path $directory 'auth.json'
        DockerConfigDirectory = $dockerConfig
        Directory             = $directory
        PreviousRoot          = $env:PSCONTAINER_ROOT
        PreviousConfig        = $env:PSCONTAINER_CONFIG
        PreviousAuthFile      = $env:REGISTRY_AUTH_FILE
        PreviousDockerConfig  = $env:DOCKER_CONFIG
    }
    $env:PSCONTAINER_ROOT = $root
    $env:PSCONTAINER_CONFIG = $config
    $env:REGISTRY_AUTH_FILE = $store.AuthFile
    $env:DOCKER_CONFIG = $dockerConfig
    $store
}

function Remove-TestStore {
    <#
    .SYNOPSIS
    Deletes a store made by New-TestStore and restores the previous variables. Any process still running from the
    store (a container's psc-shim, found in /proc by its command line, not through PSContainer) is killed first, and
    its containers with it, so a failed test leaves nothing running.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Store)
    process {
        Stop-TestStoreProcess -Root $Store.Root
        $env:PSCONTAINER_ROOT = $Store.PreviousRoot
        $env:PSCONTAINER_CONFIG = $Store.PreviousConfig
        if ($Store.PSObject.Properties['PreviousAuthFile']) {
            $env:REGISTRY_AUTH_FILE = $Store.PreviousAuthFile
            $env:DOCKER_CONFIG = $Store.PreviousDockerConfig
        }
        Remove-Item -LiteralPath $Store.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Set-TestRegistryConfig {
    <#
    .SYNOPSIS
    Writes the registry config file (docker daemon.json keys): registry-mirrors apply to docker.io
    images; insecure-registries are host:port values reached over plain http; certs-directories
    are certs.d directories (CA certificates per registry).
    #>
    [CmdletBinding()]
    param(
        [string[]]$Mirror = @(),
        [string[]]$Insecure = @(),
        # certs.d directories (docker's layout; New-TestCertsDirectory makes one). None: an empty list,
        # so the machine's /etc/docker/certs.d never leaks into a test.
        [string[]]$CertsDirectory = @(),
        [string]$Path = $env:PSCONTAINER_CONFIG
    )
    if (-not $Path) { throw 'No config path: call New-TestStore first or pass -Path.' }
    $config = [ordered]@{ 'registry-mirrors' = @($Mirror); 'insecure-registries' = @($Insecure); 'certs-directories' = @($CertsDirectory) }
    Set-Content -LiteralPath $Path -Value (ConvertTo-Json -InputObject $config -Depth 3)
}

# Kills (SIGKILL) every process whose command line names a path under $Root, and waits until they are gone.
function Get-TestStoreProcess {
    <#
    .SYNOPSIS
    The pids of the processes whose command line names a path in the store at -Root (psc-shim's stages name their
    bundle), found in /proc rather than through PSContainer.
    #>
    param([Parameter(Mandatory)][string]$Root)
    $prefix = $Root.TrimEnd('/') + '/'
    foreach ($entry in Get-ChildItem -LiteralPath /proc -Directory -ErrorAction SilentlyContinue) {
        if ($entry.Name -notmatch '^\d+$') { continue }
        $cmdline = try { [IO.File]::ReadAllText("/proc/$($entry.Name)/cmdline") } catch { '' }
        if ($cmdline.Split([char]0) -match [regex]::Escape($prefix)) { [int]$entry.Name }
    }
}

function Stop-TestStoreProcess {
    param([Parameter(Mandatory)][string]$Root)
    $pids = Get-TestStoreProcess -Root $Root
    foreach ($id in $pids) { & kill -9 $id 2>$null }
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (@($pids | Where-Object { Test-Path "/proc/$_" }).Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 50
    }
}

#endregion

#region processes

function Wait-TestCondition {
    <#
    .SYNOPSIS
    Polls -Condition every 20 ms until it returns something true; throws after -TimeoutSeconds with -Because. For
    waiting on what another process does (a log line written, a directory deleted), never as a timing assertion.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][scriptblock]$Condition, [int]$TimeoutSeconds = 30, [string]$Because = "$Condition")
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting for: $Because" }
        Start-Sleep -Milliseconds 20
    }
}

function Get-TestFileLock {
    <#
    .SYNOPSIS
    The flock(2) locks held on a file, from /proc/locks (by inode): Type (READ or WRITE) and Pid. Lets a test wait
    until another thread or process really holds a lock before it goes on.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Path)
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $inode = (& stat -c %i $Path).Trim()
    foreach ($line in Get-Content /proc/locks) {
        # "1: FLOCK  ADVISORY  READ 1234 00:2d:5678 0 EOF"; a waiting request has "->" after the number.
        $fields = -split $line
        if ($fields[1] -eq 'FLOCK' -and $fields[2] -ne '->' -and ($fields[5] -split ':')[-1] -eq $inode) {
            [pscustomobject]@{ Type = $fields[3]; Pid = [int]$fields[4] }
        }
    }
}

function Invoke-TestPwsh {
    <#
    .SYNOPSIS
    Runs -Command in a second PowerShell process (the same pwsh as this one: dotnet $PSHOME/pwsh.dll), with this
    process's environment (so the same PSCONTAINER_ROOT), and returns its output lines. Throws if it fails or is
    not finished within -TimeoutSeconds — also when something it started keeps its output pipe open.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Command, [int]$TimeoutSeconds = 120)
    $process = Start-TestPwshProcess -Command $Command -Redirect
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000) -or -not $stdout.Wait($TimeoutSeconds * 1000)) {
        try { $process.Kill($true) } catch { }
        throw "pwsh -Command did not finish within $TimeoutSeconds s (or its output stayed open): $Command"
    }
    $stderr.Wait()
    if ($process.ExitCode -ne 0) {
        throw "pwsh -Command failed with exit code $($process.ExitCode): $Command`n$($stdout.Result)`n$($stderr.Result)"
    }
    $stdout.Result -split "`r?`n" | Where-Object { $_ -ne '' }
}

function Start-TestPwsh {
    <#
    .SYNOPSIS
    Starts -Command in a second PowerShell process and returns at once with Process and OutputFile (its stdout and
    stderr, appended as it runs). For tests that kill that process while it works.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Command)
    $output = Join-Path (New-TestTempDirectory 'psc-pwsh') 'output.txt'
    $wrapped = "& { $Command } *>> '$output'"
    [pscustomobject]@{ Process = Start-TestPwshProcess -Command $wrapped; OutputFile = $output }
}

function Start-TestPwshProcess {
    param([string]$Command, [switch]$Redirect)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Command)) { $startInfo.ArgumentList.Add($a) }
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = [bool]$Redirect
    $startInfo.RedirectStandardError = [bool]$Redirect
    $startInfo.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    $process.StandardInput.Close()
    $process
}

#endregion

# The fixtures that registries with authentication, faults and credentials need.
. (Join-Path $PSScriptRoot 'TestHarness.Fixtures.ps1')

Export-ModuleMember -Function Start-TestRegistry, Stop-TestRegistry, Get-TestRegistryRequests,
    New-TestImage, New-TarLayerImage, Invoke-PythonTar, Get-TreeWalker, New-BusyboxImage, New-HelloWorldImage, New-SyscallProbeImage, Publish-TestImage, New-TestStore, Remove-TestStore,
    Set-TestRegistryConfig, New-TestTempDirectory, Invoke-TestPwsh, Start-TestPwsh, Wait-TestCondition, Get-TestFileLock, Get-TestStoreProcess,
    New-TestCertificateAuthority, New-TestCertsDirectory, Get-TestTokenRequests,
    Start-TestFaultProxy, Set-TestFaultProxyRule, Get-TestFaultProxyLog, Add-TestFaultProxyFile, Stop-TestFaultProxy,
    New-MultiPlatformTestImage, New-TestCredentialHelper
