# Connect-ContainerRegistry (docker login) against the registry's htpasswd mode over TLS and its token
# mode: the check happens before anything is stored, and what is stored is docker's format, read back
# here as JSON (and by a credential helper speaking docker's protocol).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $basic = Start-TestRegistry -Auth basic -Tls
    $token = Start-TestRegistry -Auth token
    $layout = New-BusyboxImage
    $null = $layout | Publish-TestImage -Registry $basic -Repository team/box
    $null = $layout | Publish-TestImage -Registry $token -Repository team/box
    $wrong = [pscredential]::new('psc-test', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))

    function Read-Auth([string]$Path, [string]$Key) {
        $entry = (Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json).auths.$Key
        if ($entry.auth) { $entry | Add-Member -NotePropertyName decoded -NotePropertyValue ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($entry.auth))) }
        $entry
    }
}

AfterAll {
    if ($basic) { Stop-TestRegistry $basic }
    if ($token) { Stop-TestRegistry $token }
}

Describe 'Connect-ContainerRegistry' {
    BeforeEach {
        $store = New-TestStore
        Set-TestRegistryConfig -CertsDirectory (New-TestCertsDirectory -Registry $basic)
    }
    AfterEach { Remove-TestStore $store }

    It 'checks the credentials against the registry, then stores them in auth.json, and pulls use them' {
        $before = @(Get-TestRegistryRequests $basic).Count
        $info = $null
        $login = Connect-ContainerRegistry $basic.HostPort -Credential $basic.Credential -PassThru -InformationVariable info
        "$info" | Should -Be 'Login Succeeded'
        $login.Registry | Should -Be $basic.HostPort
        $login.StoredIn | Should -Be $env:REGISTRY_AUTH_FILE
        $checks = @(Get-TestRegistryRequests $basic | Select-Object -Skip $before)
        $checks.Path | Sort-Object -Unique | Should -Be '/v2/'
        $checks.Status | Should -Be @(401, 200)

        (Read-Auth $env:REGISTRY_AUTH_FILE $basic.HostPort).decoded | Should -Be "psc-test:$($basic.Credential.GetNetworkCredential().Password)"
        (Get-Item -LiteralPath $env:REGISTRY_AUTH_FILE).UnixMode | Should -Be '-rw-------'
        (Invoke-ContainerImagePull "$($basic.HostPort)/team/box" -Quiet).LayerCount | Should -Be 1
    }

    It 'stores nothing when the registry refuses the credentials' {
        $err = $null
        Connect-ContainerRegistry $basic.HostPort -Credential $wrong -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RegistryLoginFailed,*'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].Exception.Message | Should -Not -Match 'not-the-password'
        $env:REGISTRY_AUTH_FILE | Should -Not -Exist
    }

    It 'stores the refresh token a token server hands out as an identity token, and pulls exchange it' {
        $before = @(Get-TestTokenRequests $token).Count
        $login = Connect-ContainerRegistry $token.HostPort -Credential $token.Credential -PassThru
        $login.IdentityToken | Should -BeTrue
        $check = @(Get-TestTokenRequests $token | Select-Object -Skip $before)
        $check.Count | Should -Be 1
        $check[0].offline | Should -BeTrue
        $entry = Read-Auth $env:REGISTRY_AUTH_FILE $token.HostPort
        $entry.identitytoken | Should -Match '^[0-9a-f]{32}$'
        $entry.decoded | Should -Be 'psc-test:'

        $before = @(Get-TestTokenRequests $token).Count
        (Invoke-ContainerImagePull "$($token.HostPort)/team/box" -Quiet).LayerCount | Should -Be 1
        $exchanged = @(Get-TestTokenRequests $token | Select-Object -Skip $before)
        $exchanged.Count | Should -Be 1
        $exchanged[0].method | Should -Be 'POST'
        $exchanged[0].grant_type | Should -Be 'refresh_token'
        $exchanged[0].user | Should -Be 'psc-test'
    }

    It 'hands the secret to the credential helper docker config.json names, keeping an empty entry in the file' {
        $helper = New-TestCredentialHelper -Name psctest
        $savedPath = $env:PATH
        Remove-Item Env:REGISTRY_AUTH_FILE
        try {
            $env:PATH = "$($helper.Directory):$env:PATH"
            $config = Join-Path $env:DOCKER_CONFIG 'config.json'
            Set-Content -LiteralPath $config -Value '{ "credsStore": "psctest", "detachKeys": "ctrl-x" }'
            $login = Connect-ContainerRegistry $basic.HostPort -Credential $basic.Credential -PassThru
            $login.StoredIn | Should -Be 'docker-credential-psctest'
            $held = (Get-Content -LiteralPath $helper.StoreFile -Raw | ConvertFrom-Json).($basic.HostPort)
            $held.Username | Should -Be 'psc-test'
            $held.Secret | Should -Be $basic.Credential.GetNetworkCredential().Password
            $file = Get-Content -LiteralPath $config -Raw | ConvertFrom-Json
            $file.detachKeys | Should -Be 'ctrl-x'
            @($file.auths.($basic.HostPort).PSObject.Properties).Count | Should -Be 0
            (Invoke-ContainerImagePull "$($basic.HostPort)/team/box" -Quiet).LayerCount | Should -Be 1
        }
        finally { $env:PATH = $savedPath }
    }

    It 'writes docker config.json when REGISTRY_AUTH_FILE is not set, and -AuthFile wherever it says' {
        Remove-Item Env:REGISTRY_AUTH_FILE
        Connect-ContainerRegistry $basic.HostPort -Credential $basic.Credential
        (Read-Auth (Join-Path $env:DOCKER_CONFIG 'config.json') $basic.HostPort).decoded | Should -BeLike 'psc-test:*'
        $elsewhere = Join-Path $store.Directory 'elsewhere/auth.json'
        Connect-ContainerRegistry -Registry $basic.HostPort -Credential $basic.Credential -AuthFile $elsewhere
        (Read-Auth $elsewhere $basic.HostPort).decoded | Should -BeLike 'psc-test:*'
    }

    It 'changes nothing with -WhatIf' {
        Connect-ContainerRegistry $basic.HostPort -Credential $basic.Credential -WhatIf
        $env:REGISTRY_AUTH_FILE | Should -Not -Exist
    }
}
