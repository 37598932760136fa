# Disconnect-ContainerRegistry (docker logout): the stored login is gone from the file and the helper,
# and pulls are anonymous again.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry -Auth token
    $null = New-BusyboxImage | Publish-TestImage -Registry $registry -Repository team/box
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Disconnect-ContainerRegistry' {
    BeforeEach { $store = New-TestStore }
    AfterEach { Remove-TestStore $store }

    It 'removes the stored login, after which pulls of private repositories are refused' {
        Set-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Value '{ "auths": { "keep.example": { "auth": "YTpi" } } }'
        $login = Connect-ContainerRegistry $registry.HostPort -Credential $registry.Credential -PassThru
        (Get-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Raw | ConvertFrom-Json).auths.PSObject.Properties.Name | Should -Contain $registry.HostPort
        $login | Disconnect-ContainerRegistry
        $auths = (Get-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Raw | ConvertFrom-Json).auths
        $auths.PSObject.Properties.Name | Should -Be @('keep.example')
        { Invoke-ContainerImagePull "$($registry.HostPort)/team/box" -Quiet -ErrorAction Stop } | Should -Throw -ErrorId 'RegistryUnauthorized,*'
    }

    It 'erases the secret from the credential helper too' {
        $helper = New-TestCredentialHelper -Name psctest -Secret @{ $registry.HostPort = @('psc-test', $registry.Credential.GetNetworkCredential().Password) }
        $savedPath = $env:PATH
        try {
            $env:PATH = "$($helper.Directory):$env:PATH"
            Set-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Value "{ `"credHelpers`": { `"$($registry.HostPort)`": `"psctest`" } }"
            (Invoke-ContainerImagePull "$($registry.HostPort)/team/box" -Quiet).LayerCount | Should -Be 1
            Disconnect-ContainerRegistry $registry.HostPort
            (Get-Content -LiteralPath $helper.StoreFile -Raw | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain $registry.HostPort
        }
        finally { $env:PATH = $savedPath }
    }

    It 'warns when there is no login to remove' {
        $warnings = $null
        Disconnect-ContainerRegistry 'never.example' -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -Be 'Not logged in to never.example'
    }

    It 'changes nothing with -WhatIf' {
        Connect-ContainerRegistry $registry.HostPort -Credential $registry.Credential -ErrorAction Stop
        $before = Get-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Raw
        Disconnect-ContainerRegistry $registry.HostPort -WhatIf
        Get-Content -LiteralPath $env:REGISTRY_AUTH_FILE -Raw | Should -Be $before
    }
}
