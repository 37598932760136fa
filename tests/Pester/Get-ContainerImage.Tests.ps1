# Get-ContainerImage over a store filled by real pulls.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = New-BusyboxImage | Publish-TestImage -Registry $registry -Repository library/busybox
    $null = New-HelloWorldImage | Publish-TestImage -Registry $registry -Repository library/hello-world
    $store = New-TestStore
    Set-TestRegistryConfig -Mirror $registry.Url
    $pulled = 'hello-world', 'busybox' | Invoke-ContainerImagePull -Quiet
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-ContainerImage' {
    It 'lists every image with docker''s short names' {
        $images = Get-ContainerImage
        $images.Repository | Sort-Object | Should -Be @('busybox', 'hello-world')
        $images.Name | Should -Contain 'docker.io/library/hello-world:latest'
    }

    It 'finds by short name, full name, tag and wildcard' {
        (Get-ContainerImage hello-world).Repository | Should -Be 'hello-world'
        (Get-ContainerImage docker.io/library/busybox:latest).Repository | Should -Be 'busybox'
        (Get-ContainerImage 'hello*').Repository | Should -Be 'hello-world'
        (Get-ContainerImage '*:latest').Count | Should -Be 2
    }

    It 'finds by id and by id prefix' {
        $hello = $pulled | Where-Object Repository -eq 'hello-world'
        (Get-ContainerImage $hello.Id).Repository | Should -Be 'hello-world'
        (Get-ContainerImage $hello.ShortId).Repository | Should -Be 'hello-world'
        $hello.ShortId | Should -Match '^[0-9a-f]{12}$'
    }

    It 'writes ImageNotFound for a name that is not stored, and nothing for an unmatched wildcard' {
        $err = $null
        Get-ContainerImage nothing-here -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ImageNotFound'
        Get-ContainerImage 'zzz*' -ErrorVariable err2 | Should -BeNullOrEmpty
        $err2 | Should -BeNullOrEmpty
    }

    It 'sees images that another pwsh process pulled' {
        $null = New-TestImage -Name other -Cmd true -Layer { param($r) Set-Content (Join-Path $r 'f') 'x' } | Publish-TestImage -Registry $registry -Repository library/other
        $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -Command "Import-Module '$module'; `$null = Invoke-ContainerImagePull other -Quiet"
        $LASTEXITCODE | Should -Be 0
        (Get-ContainerImage other).Repository | Should -Be 'other'
    }

    It 'shows a table like docker images' {
        $table = Get-ContainerImage | Format-Table | Out-String
        $table | Should -Match 'Repository\s+Tag\s+ImageId\s+Created\s+Size'
        $table | Should -Match 'hello-world\s+latest\s+[0-9a-f]{12}'
    }
}
