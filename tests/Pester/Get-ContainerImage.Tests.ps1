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

Describe 'Get-ContainerImage -Digest and dangling images' {
    BeforeAll {
        $v1 = New-TestImage -Name app-v1 -Cmd sh -Layer { param($r) Set-Content (Join-Path $r 'version') '1' } |
            Publish-TestImage -Registry $registry -Repository team/app
        $null = Invoke-ContainerImagePull $v1.Reference -Quiet
        $v2 = New-TestImage -Name app-v2 -Cmd sh -Layer { param($r) Set-Content (Join-Path $r 'version') '2' } |
            Publish-TestImage -Registry $registry -Repository team/app
        $current = Invoke-ContainerImagePull $v2.Reference -Quiet
        $v1Id = (& skopeo inspect --raw --tls-verify=false "docker://$($registry.HostPort)/team/app@$($v1.Digest)" | ConvertFrom-Json).config.digest
    }

    It 'keeps the image a re-pulled tag moved away from as a dangling image, shown without repository and tag' {
        $dangling = @(Get-ContainerImage | Where-Object Dangling)
        $dangling.Count | Should -Be 1
        $dangling[0].Id | Should -Be $v1Id
        $dangling[0].Repository | Should -Be '<none>'
        $dangling[0].Tag | Should -BeNullOrEmpty
        (Get-ContainerImage | Format-Table | Out-String) | Should -Match '<none>\s+<none>\s+[0-9a-f]{12}'
        (Get-ContainerImage "$($registry.HostPort)/team/app").Id | Should -Be $current.Id
    }

    It 'lists only dangling images with -Dangling, and finds them by id' {
        $only = @(Get-ContainerImage -Dangling)
        $only.Id | Should -Be @($v1Id)
        (Get-ContainerImage $v1Id).Dangling | Should -BeTrue
        (Get-ContainerImage $v1Id.Substring(7, 12)).Id | Should -Be $v1Id
        Get-ContainerImage hello-world -Dangling | Should -BeNullOrEmpty
    }

    It 'finds images by repo digest, manifest digest, id and digest wildcards' {
        (Get-ContainerImage -Digest $v2.Digest).Id | Should -Be $current.Id
        (Get-ContainerImage -Digest $current.ManifestDigest).Id | Should -Be $current.Id
        (Get-ContainerImage -Digest $current.Id).Name | Should -Be $current.Name
        (Get-ContainerImage -Digest "$($v2.Digest.Substring(0, 20))*").Id | Should -Be $current.Id
        $err = $null
        Get-ContainerImage -Digest "sha256:$('0' * 64)" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
    }

    It 'completes image names from the local store' {
        $completion = TabExpansion2 -inputScript 'Get-ContainerImage hello' -cursorColumn 'Get-ContainerImage hello'.Length
        $completion.CompletionMatches.CompletionText | Should -Be @('hello-world:latest')
        $completion = TabExpansion2 -inputScript "Remove-ContainerImage $($registry.HostPort)/team/" -cursorColumn "Remove-ContainerImage $($registry.HostPort)/team/".Length
        $completion.CompletionMatches.CompletionText | Should -Be @("$($registry.HostPort)/team/app:latest")
    }
}
