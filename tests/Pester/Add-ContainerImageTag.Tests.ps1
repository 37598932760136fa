# Add-ContainerImageTag: docker tag on the local store.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository library/busybox).Reference
    $hello = (New-HelloWorldImage | Publish-TestImage -Registry $registry -Repository library/hello-world).Reference
}

AfterAll {
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Add-ContainerImageTag' {
    BeforeEach {
        $store = New-TestStore
        $image = Invoke-ContainerImagePull $busybox -Quiet
    }
    AfterEach { Remove-TestStore $store }

    It 'names the same image under a normalised name, and tags default to latest' {
        $tagged = Add-ContainerImageTag $busybox -Tag tools/busybox:1.36, mybox -PassThru
        $tagged.Name | Should -Be @('docker.io/tools/busybox:1.36', 'docker.io/library/mybox:latest')
        $tagged.Id | Should -Be @($image.Id, $image.Id)
        (Get-ContainerImage mybox).Id | Should -Be $image.Id
        @(Get-ContainerImage).Count | Should -Be 3
    }

    It 'takes the image from the pipeline, by id too' {
        Get-ContainerImage $image.ShortId | Add-ContainerImageTag -Tag 'localhost:5000/team/box:v1'
        (Get-ContainerImage 'localhost:5000/team/box:v1').Digest | Should -Be $image.Digest
    }

    It 'moves a name from another image, which then dangles' {
        $other = Invoke-ContainerImagePull $hello -Quiet
        Add-ContainerImageTag $busybox -Tag $hello
        (Get-ContainerImage $hello).Id | Should -Be $image.Id
        (Get-ContainerImage -Dangling).Id | Should -Be $other.Id
    }

    It 'refuses a digest as a tag and an image it does not know' {
        { Add-ContainerImageTag $busybox -Tag "box@sha256:$('1' * 64)" -ErrorAction Stop } | Should -Throw -ErrorId 'ImageTagIsDigest,*'
        { Add-ContainerImageTag 'no-such-image' -Tag box -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        { Add-ContainerImageTag $busybox -Tag 'Not:Valid:::' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidImageReference,*'
    }

    It 'changes nothing with -WhatIf' {
        Add-ContainerImageTag $busybox -Tag other -WhatIf
        @(Get-ContainerImage).Count | Should -Be 1
    }
}
