# TestHarness.Fixtures.ps1: the registry fixtures of TestHarness.psm1 beyond the registry itself —
# a test CA, the token server's log, the fault-injecting proxy, multi-platform images and a credential
# helper. Dot-sourced by TestHarness.psm1, so these run in the module's scope and are exported there.
# The Python fixtures they start live in Fixtures/.

#region processes
# Starts one of the Python fixtures (tests/Pester/Fixtures) with its output going to a file; the
# Process object is the fixture itself (sh execs it), so killing it stops it.
function Start-Fixture {
    param([string]$Script, [string]$LogFile, [object[]]$ArgumentList)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
    $startInfo.ArgumentList.Add('-c')
    $startInfo.ArgumentList.Add('exec /usr/bin/python3 "$@" </dev/null >>"$0" 2>&1')
    $startInfo.ArgumentList.Add($LogFile)
    $startInfo.ArgumentList.Add((Join-Path $PSScriptRoot "Fixtures/$Script"))
    foreach ($a in $ArgumentList) { $startInfo.ArgumentList.Add("$a") }
    $startInfo.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($startInfo)
}

# Waits until a URL answers at all (any status), or throws with what the process wrote.
function Wait-TestHttp {
    param([string]$Url, [System.Diagnostics.Process]$Process, [int]$TimeoutSeconds = 30, [string]$LogFile)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline -and -not $Process.HasExited) {
        try {
            $null = Invoke-WebRequest -Uri $Url -UserAgent $script:ProbeUserAgent -TimeoutSec 2 -SkipHttpErrorCheck -SkipCertificateCheck
            return
        }
        catch {
            Start-Sleep -Milliseconds 50
        }
    }
    if (-not $Process.HasExited) { $Process.Kill(); $Process.WaitForExit() }
    $log = if ($LogFile -and (Test-Path -LiteralPath $LogFile)) { Get-Content -LiteralPath $LogFile -Raw } else { '' }
    throw "$Url did not answer within $TimeoutSeconds s (exit code $($Process.ExitCode)). Output:`n$log"
}

#endregion

#region registry

function New-TestCertificateAuthority {
    <#
    .SYNOPSIS
    The run's test CA (made once per run with openssl, in the image cache) and a server certificate
    it signed for 127.0.0.1 and localhost. Returns Certificate (the CA's PEM), ServerCertificate,
    ServerKey, and Directory. -Name makes a different CA (one that the others do not trust).
    #>
    [CmdletBinding()]
    param([ValidatePattern('^[a-z0-9-]+$')][string]$Name = 'psc-test-ca')
    $directory = Join-Path (Get-TestCacheDirectory) "ca-$Name"
    $result = [pscustomobject]@{
        PSTypeName        = 'PSContainer.TestCertificateAuthority'
        Certificate       = Join-Path $directory 'ca.crt'
        ServerCertificate = Join-Path $directory 'server.crt'
        ServerKey         = Join-Path $directory 'server.key'
        Directory         = $directory
    }
    if (Test-Path -LiteralPath $result.ServerCertificate) { return $result }
    $work = New-TestTempDirectory 'psc-ca'
    try {
        $caKey = Join-Path $work 'ca.key'
        Invoke-Tool openssl req -x509 -newkey rsa:2048 -nodes -keyout $caKey -out (Join-Path $work 'ca.crt') -days 2 -subj "/CN=$Name" `
            -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' | Out-Null
        Invoke-Tool openssl req -newkey rsa:2048 -nodes -keyout (Join-Path $work 'server.key') -out (Join-Path $work 'server.csr') -subj '/CN=127.0.0.1' | Out-Null
        $ext = Join-Path $work 'server.ext'
        Set-Content -LiteralPath $ext -Value "subjectAltName=IP:127.0.0.1,DNS:localhost`nbasicConstraints=CA:FALSE`nkeyUsage=digitalSignature,keyEncipherment`nextendedKeyUsage=serverAuth"
        Invoke-Tool openssl x509 -req -in (Join-Path $work 'server.csr') -CA (Join-Path $work 'ca.crt') -CAkey $caKey -CAcreateserial `
            -out (Join-Path $work 'server.crt') -days 2 -extfile $ext | Out-Null
        Remove-Item -LiteralPath $caKey, (Join-Path $work 'server.csr'), $ext -Force
        if (-not (Test-Path -LiteralPath $directory)) { Move-Item -LiteralPath $work -Destination $directory }
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
    $result
}

function New-TestCertsDirectory {
    <#
    .SYNOPSIS
    A certs.d directory (docker's layout) holding <host:port>/ca.crt for a registry; pass it to
    Set-TestRegistryConfig -CertsDirectory. -CaCertificate picks another CA than the registry's.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Registry, [string]$CaCertificate = $Registry.CaCertificate)
    $root = New-TestTempDirectory 'psc-certs.d'
    $hostDirectory = New-Item -ItemType Directory -Path (Join-Path $root $Registry.HostPort)
    Copy-Item -LiteralPath $CaCertificate -Destination (Join-Path $hostDirectory 'ca.crt')
    $root
}

function Get-TestTokenRequests {
    <#
    .SYNOPSIS
    What the token server of a -Auth token registry handed out, oldest first: Method, User,
    Scopes, Granted, Offline, GrantType, Status.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][psobject]$Registry)
    foreach ($line in [IO.File]::ReadAllLines($Registry.TokenLog)) {
        if ($line) { $line | ConvertFrom-Json }
    }
}

function Start-TestFaultProxy {
    <#
    .SYNOPSIS
    Starts Fixtures/fault_proxy.py in front of a plain-HTTP test registry. Returns Url, HostPort,
    Port, CdnUrl, CdnPort, Process, LogFile. Faults are set with Set-TestFaultProxyRule.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Registry, [int]$TimeoutSeconds = 30)
    $directory = New-TestTempDirectory 'psc-proxy'
    $logFile = Join-Path $directory 'proxy.out'
    $port = Get-FreeTcpPort
    $cdnPort = Get-FreeTcpPort
    $process = Start-Fixture -Script 'fault_proxy.py' -LogFile $logFile -ArgumentList @('--port', $port, '--cdn-port', $cdnPort, '--upstream', $Registry.HostPort)
    Wait-TestHttp -Url "http://127.0.0.1:$port/__log" -Process $process -TimeoutSeconds $TimeoutSeconds -LogFile $logFile
    Wait-TestHttp -Url "http://127.0.0.1:$cdnPort/" -Process $process -TimeoutSeconds $TimeoutSeconds -LogFile $logFile
    [pscustomobject]@{
        PSTypeName = 'PSContainer.TestFaultProxy'
        Url        = "http://127.0.0.1:$port"
        HostPort   = "127.0.0.1:$port"
        Port       = $port
        CdnUrl     = "http://127.0.0.1:$cdnPort"
        CdnPort    = $cdnPort
        Process    = $process
        LogFile    = $logFile
        Directory  = $directory
    }
}

function Set-TestFaultProxyRule {
    <#
    .SYNOPSIS
    Replaces the proxy's fault rules (see Fixtures/fault_proxy.py) and clears its request log.
    Each rule: @{ match = '<path regex>'; method = 'GET'; action = 'status'|'drop'|'corrupt'|'redirect';
    status = 429; retryAfter = 1; after = <byte offset>; times = 1 }. No rules: a clean proxy.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Proxy, [hashtable[]]$Rule = @())
    $null = Invoke-RestMethod -Method Post -Uri "$($Proxy.Url)/__reset"
    $body = ConvertTo-Json -InputObject @($Rule) -Depth 5
    $null = Invoke-RestMethod -Method Post -Uri "$($Proxy.Url)/__faults" -Body $body -ContentType 'application/json'
}

function Get-TestFaultProxyLog {
    <#
    .SYNOPSIS
    The requests the proxy served since its rules were last set: Port ('main' or 'cdn'), Method,
    Path, Query, Status, Authorization (whether the request carried one), Range, Fault.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][psobject]$Proxy)
    @(Invoke-RestMethod -Uri "$($Proxy.Url)/__log") | ForEach-Object { $_ }
}

function Add-TestFaultProxyFile {
    <#
    .SYNOPSIS
    Serves a file at <CdnUrl>/files/<Name> (a foreign layer's `urls`); returns that URL.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Proxy, [Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$Path)
    $body = ConvertTo-Json @{ name = $Name; path = (Resolve-Path -LiteralPath $Path).Path }
    $null = Invoke-RestMethod -Method Post -Uri "$($Proxy.Url)/__files" -Body $body -ContentType 'application/json'
    "$($Proxy.CdnUrl)/files/$Name"
}

function Stop-TestFaultProxy {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][psobject]$Proxy)
    process {
        if (-not $Proxy.Process.HasExited) { $Proxy.Process.Kill() }
        $Proxy.Process.WaitForExit()
        Remove-Item -LiteralPath $Proxy.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

#endregion

#region images

function New-MultiPlatformTestImage {
    <#
    .SYNOPSIS
    An OCI layout whose tag names an image index (Fixtures/oci_index.py) with one image per
    -Platform, each holding /platform (a text file naming its platform) and Cmd ["cat", "/platform"];
    its config says that platform. -Attestation adds a BuildKit-style attestation manifest, first in
    the index, claiming the given platform. Returns Name, Path, Tag, Layout and Digest (of the index).
    #>
    [CmdletBinding()]
    param(
        [string[]]$Platform = @('linux/amd64', 'linux/arm64/v8'),
        [string]$Attestation,
        [string]$Tag = 'latest'
    )
    $key = Get-StringHash (@($script:HarnessVersion, $Tag, $Attestation) + $Platform -join "`n")
    $path = Join-Path (Get-TestCacheDirectory) "multi-$($key.Substring(0, 16))"
    if (-not (Test-Path -LiteralPath (Join-Path $path 'index.json'))) {
        $specs = foreach ($p in $Platform) {
            $image = New-TestImage -Name "platform-$($p -replace '/', '-')" -Cmd cat, /platform -CacheKey $p -Layer {
                param($RootFs)
                Set-Content -LiteralPath (Join-Path $RootFs 'platform') -Value $p -NoNewline
            }.GetNewClosure()
            "$($image.Layout)=$p"
        }
        $work = New-TestTempDirectory 'psc-multi'
        try {
            $fixtureArgs = @((Join-Path $PSScriptRoot 'Fixtures/oci_index.py'), '--out', (Join-Path $work 'layout'), '--tag', $Tag)
            foreach ($spec in $specs) { $fixtureArgs += @('--image', $spec) }
            if ($Attestation) { $fixtureArgs += @('--attestation', $Attestation) }
            Invoke-Tool /usr/bin/python3 $fixtureArgs | Out-Null
            if (-not (Test-Path -LiteralPath $path)) { Move-Item -LiteralPath (Join-Path $work 'layout') -Destination $path }
        }
        finally {
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
    $index = Get-Content -LiteralPath (Join-Path $path 'index.json') -Raw | ConvertFrom-Json
    [pscustomobject]@{ PSTypeName = 'PSContainer.TestImage'; Name = 'multi'; Path = $path; Tag = $Tag; Layout = "${path}:$Tag"; Digest = $index.manifests[0].digest }
}

function New-TestCredentialHelper {
    <#
    .SYNOPSIS
    A docker credential helper for the tests: docker-credential-<Name>, a small Python script that
    keeps what it is given in a JSON file, and speaks the helper protocol (get, store, erase, list).
    Returns Name, Directory (prepend it to PATH) and StoreFile (what it holds; may be pre-filled with
    -Secret @{ 'host:port' = @('user', 'secret') }).
    #>
    [CmdletBinding()]
    param([string]$Name = 'psctest', [hashtable]$Secret = @{})
    $directory = New-TestTempDirectory 'psc-helper'
    $store = Join-Path $directory 'store.json'
    $content = @{}
    foreach ($server in $Secret.Keys) { $content[$server] = @{ Username = $Secret[$server][0]; Secret = $Secret[$server][1] } }
    Set-Content -LiteralPath $store -Value (ConvertTo-Json $content)
    $script = Join-Path $directory "docker-credential-$Name"
    Set-Content -LiteralPath $script -Value @"
#!/usr/bin/python3
import json, sys
STORE = '$store'
action = sys.argv[1]
data = json.load(open(STORE))
payload = sys.stdin.read()
if action == 'get':
    entry = data.get(payload.strip())
    if entry is None:
        print('credentials not found in native keychain'); sys.exit(1)
    print(json.dumps({'ServerURL': payload.strip(), 'Username': entry['Username'], 'Secret': entry['Secret']}))
elif action == 'store':
    entry = json.loads(payload)
    data[entry['ServerURL']] = {'Username': entry['Username'], 'Secret': entry['Secret']}
    json.dump(data, open(STORE, 'w'))
elif action == 'erase':
    if data.pop(payload.strip(), None) is None:
        print('credentials not found in native keychain'); sys.exit(1)
    json.dump(data, open(STORE, 'w'))
elif action == 'list':
    print(json.dumps({k: v['Username'] for k, v in data.items()}))
"@
    & chmod +x $script
    [pscustomobject]@{ PSTypeName = 'PSContainer.TestCredentialHelper'; Name = $Name; Directory = $directory; StoreFile = $store }
}

#endregion
