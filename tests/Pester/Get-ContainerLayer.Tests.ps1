# Get-ContainerLayer, checked against the image configuration that skopeo reads from the registry.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $layered = New-TestImage -Name three-layers -Cmd sh -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'bin')
        Copy-Item /bin/busybox (Join-Path $RootFs 'bin/busybox')
    }, {
        param($RootFs) Set-Content -LiteralPath (Join-Path $RootFs 'a') -Value 'a'
    }, {
        param($RootFs) Set-Content -LiteralPath (Join-Path $RootFs 'b') -Value 'b'
    } | Publish-TestImage -Registry $registry -Repository test/layers
    # Files of every kind in one layer, and a second layer that deletes and adds (umoci writes the whiteouts).
    $filesLayout = New-TestImage -Name layer-content -Layer {
        param($RootFs)
        $null = New-Item -ItemType Directory (Join-Path $RootFs 'bin'), (Join-Path $RootFs 'etc'), (Join-Path $RootFs 'tmp')
        Set-Content -LiteralPath (Join-Path $RootFs 'bin/tool') -Value 'tool'
        & chmod 4755 (Join-Path $RootFs 'bin/tool')
        & chmod 1777 (Join-Path $RootFs 'tmp')
        & ln (Join-Path $RootFs 'bin/tool') (Join-Path $RootFs 'bin/tool2')
        $null = [IO.File]::CreateSymbolicLink((Join-Path $RootFs 'bin/sh'), 'tool')
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/motd') -Value 'hello'
        & chown 1000:2000 (Join-Path $RootFs 'etc/motd')
        & mkfifo (Join-Path $RootFs 'fifo')
        & mknod (Join-Path $RootFs 'null') c 1 3
    }, {
        param($RootFs)
        Remove-Item -LiteralPath (Join-Path $RootFs 'etc/motd') -Force  # owned by uid 1000: .NET calls it read-only for root
        Set-Content -LiteralPath (Join-Path $RootFs 'etc/issue') -Value 'welcome'
    }
    $files = $filesLayout | Publish-TestImage -Registry $registry -Repository test/layer-content

    # The same blob read by python's tarfile (an independent reader), in the shape of the cmdlet's objects.
    function Get-PythonListing([string]$Blob) {
        $script = @'
import sys, tarfile, posixpath
types = {tarfile.REGTYPE: 'File', tarfile.AREGTYPE: 'File', tarfile.DIRTYPE: 'Directory', tarfile.SYMTYPE: 'Symlink',
         tarfile.LNKTYPE: 'Hardlink', tarfile.CHRTYPE: 'CharacterDevice', tarfile.BLKTYPE: 'BlockDevice', tarfile.FIFOTYPE: 'Fifo'}
for m in tarfile.open(sys.argv[1]):
    path = posixpath.normpath('/' + m.name)
    if path == '/':
        continue
    base = posixpath.basename(path)
    kind = types[m.type]
    link = m.linkname if m.issym() else (posixpath.normpath('/' + m.linkname) if m.islnk() else '')
    if base == '.wh..wh..opq':
        path, kind = posixpath.dirname(path), 'Whiteout'
    elif base.startswith('.wh.'):
        path, kind = posixpath.join(posixpath.dirname(path), base[4:]), 'Whiteout'
    if kind == 'Whiteout':
        print('%s|Whiteout' % path)
    else:
        print('%s|%s|%04o|%d:%d|%d|%s' % (path, kind, m.mode & 0o7777, m.uid, m.gid, m.size if m.isreg() else 0, link))
'@
        & /usr/bin/python3 -c $script $Blob
    }
    function Format-Entry($e) {
        if ($e.IsWhiteout) { return "$($e.Path)|Whiteout" }
        '{0}|{1}|{2}|{3}|{4}|{5}' -f $e.Path, $e.Type, [Convert]::ToString([int]$e.Mode, 8).PadLeft(4, '0'), $e.Owner, $e.Size, $e.LinkTarget
    }
    $store = New-TestStore
    $image = Invoke-ContainerImagePull $layered.Reference -Quiet
    $filesImage = Invoke-ContainerImagePull $files.Reference -Quiet
    $config = & skopeo inspect --tls-verify=false --config "docker://$($layered.Reference)" | ConvertFrom-Json
    $raw = & skopeo inspect --tls-verify=false --raw "docker://$($layered.Reference)" | ConvertFrom-Json
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-ContainerLayer' {
    It 'lists the layers bottom first with the digests and diff ids the image declares' {
        $layers = Get-ContainerImage $layered.Reference | Get-ContainerLayer
        $layers.Count | Should -Be 3
        $layers.Index | Should -Be @(0, 1, 2)
        $layers.Digest | Should -Be @($raw.layers.digest)
        $layers.Size | Should -Be @($raw.layers.size)
        $layers.DiffId | Should -Be @($config.rootfs.diff_ids)
        $layers.MediaType | Should -Be @($raw.layers.mediaType)
    }

    It 'gives chain ids as the image-spec defines them' {
        $layers = Get-ContainerLayer -Name $layered.Reference
        $layers[0].ChainId | Should -Be $layers[0].DiffId
        $sha = [System.Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes("$($layers[0].ChainId) $($layers[1].DiffId)"))
        $layers[1].ChainId | Should -Be ('sha256:' + [Convert]::ToHexString($sha).ToLowerInvariant())
    }

    It 'carries created_by from the history and the unpacked size of each layer' {
        $layers = $image | Get-ContainerLayer
        $expected = @($config.history | Where-Object { -not $_.empty_layer } | ForEach-Object { $_.created_by })
        $layers.CreatedBy | Should -Be $expected
        $layers | ForEach-Object { $_.UnpackedSize | Should -BeGreaterThan 0 }
    }

    It 'unpacks a layer once for every image and container that shares it' {
        $base = New-BusyboxImage
        $one = New-TestImage -Name shared-one -Base $base.Layout -Layer { param($RootFs) Set-Content (Join-Path $RootFs 'one') '1' } |
            Publish-TestImage -Registry $registry -Repository test/shared-one
        $two = New-TestImage -Name shared-two -Base $base.Layout -Layer { param($RootFs) Set-Content (Join-Path $RootFs 'two') '2' } |
            Publish-TestImage -Registry $registry -Repository test/shared-two
        $layers = foreach ($ref in $one.Reference, $two.Reference) { Invoke-ContainerImagePull $ref -Quiet | Get-ContainerLayer }
        $layers[0].ChainId | Should -Be $layers[2].ChainId
        $snapshots = Get-ChildItem -LiteralPath (Join-Path $env:PSCONTAINER_ROOT 'snapshots') -Directory | Where-Object Name -Match '^[0-9a-f]{64}$'
        foreach ($chain in $layers.ChainId | Sort-Object -Unique) {
            @($snapshots | Where-Object Name -EQ $chain.Substring(7)).Count | Should -Be 1
        }
        # Both containers' root filesystems name the same directory for the shared bottom layer.
        $lowers = foreach ($ref in $one.Reference, $two.Reference) {
            $container = Start-Container $ref -PassThru true | Where-Object { $_ -isnot [string] }
            $mounts = Get-Content -Raw (Join-Path $container.Directory 'rootfs-mounts.json') | ConvertFrom-Json
            @($mounts[0].options | Where-Object { $_ -like 'lowerdir+=*' })[-1]
        }
        $lowers[0] | Should -Be $lowers[1]
        $lowers[0] | Should -BeLike "*$($layers[0].ChainId.Substring(7))*"
    }

    It 'accepts images by property name and reports missing ones' {
        $err = $null
        [pscustomobject]@{ Name = 'no-such-image' } | Get-ContainerLayer -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ImageNotFound'
    }
}

Describe 'Get-ContainerLayer -Content' {
    It 'lists every entry of each layer as python''s tarfile reads the same blob' {
        $layers = $filesImage | Get-ContainerLayer
        foreach ($layer in $layers) {
            $blob = Join-Path $filesLayout.Path "blobs/sha256/$($layer.Digest.Substring(7))"
            $expected = @(Get-PythonListing $blob)
            $actual = @($layer | Get-ContainerLayer -Content | ForEach-Object { Format-Entry $_ })
            $expected.Count | Should -BeGreaterThan 0
            $actual | Should -Be $expected
        }
    }

    It 'shows types, setuid and sticky modes, owners, links, devices and the deletions of an upper layer' {
        $entries = Get-ContainerLayer -Name $files.Reference -Content
        $byPath = @{}
        $entries | ForEach-Object { $byPath["$($_.LayerIndex):$($_.Path)"] = $_ }
        $byPath['0:/bin/tool'].UnixMode | Should -Be '-rwsr-xr-x'
        $byPath['0:/tmp'].UnixMode | Should -Be 'drwxrwxrwt'
        $byPath['0:/bin/sh'].LinkTarget | Should -Be 'tool'
        $byPath['0:/bin/tool2'].Type | Should -Be 'Hardlink'
        $byPath['0:/bin/tool2'].LinkTarget | Should -Be '/bin/tool'
        $byPath['0:/etc/motd'].Owner | Should -Be '1000:2000'
        $byPath['0:/etc/motd'].Size | Should -Be 6
        $byPath['0:/null'].Type | Should -Be 'CharacterDevice'
        "$($byPath['0:/null'].DeviceMajor),$($byPath['0:/null'].DeviceMinor)" | Should -Be '1,3'
        $byPath['0:/fifo'].Type | Should -Be 'Fifo'
        $byPath['1:/etc/motd'].IsWhiteout | Should -BeTrue
        $byPath['1:/etc/issue'].Type | Should -Be 'File'
        $entries | Where-Object IsWhiteout | ForEach-Object { $_.LayerIndex | Should -Be 1 }
    }

    It 'filters entries by wildcard path and layers by index, and takes layers from the pipeline' {
        $bin = Get-ContainerLayer -Name $files.Reference -Content -Path '/bin/*'
        $bin.Path | Sort-Object | Should -Be @('/bin/sh', '/bin/tool', '/bin/tool2')
        $top = Get-ContainerLayer -Name $files.Reference -Content -Index 1
        $top.LayerIndex | Sort-Object -Unique | Should -Be 1
        ($filesImage | Get-ContainerLayer | Select-Object -Last 1 | Get-ContainerLayer -Content -Path /etc/issue).Path | Should -Be '/etc/issue'
    }

    It 'stops reading and closes the blob when the pipeline stops' {
        # 3000 entries: far more than the listing runs ahead of the pipeline, so the reader is mid-layer at the stop.
        $many = New-TarLayerImage -Name many-files -Layer {
            param($Tar)
            Invoke-PythonTar -Path $Tar -Script 'for i in range(3000): add("f%d" % i, b"%d" % i)'
        } | Publish-TestImage -Registry $registry -Repository test/many-files
        $null = Invoke-ContainerImagePull $many.Reference -Quiet
        $layer = Get-ContainerLayer -Name $many.Reference
        $blob = Join-Path $env:PSCONTAINER_ROOT "blobs/sha256/$($layer.Digest.Substring(7))"
        $first = Get-ContainerLayer -Name $many.Reference -Content | Select-Object -First 2
        @($first).Count | Should -Be 2
        $open = Get-ChildItem "/proc/$PID/fd" | ForEach-Object { $_.LinkTarget } | Where-Object { $_ -eq $blob }
        $open | Should -BeNullOrEmpty
        @(Get-ContainerLayer -Name $many.Reference -Content).Count | Should -Be 3000
    }

    It 'reports a missing image as ImageNotFound' {
        $err = $null
        Get-ContainerLayer -Name no-such-image -Content -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^ImageNotFound'
    }
}
