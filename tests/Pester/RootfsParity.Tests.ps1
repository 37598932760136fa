# What a container sees of its root filesystem must match, file for file and attribute for attribute, what
# podman shows for the same image. Images are built by three independent tools (umoci from a directory tree,
# buildah from overlay changes, python's tarfile for entries no tree walk produces), pushed with skopeo, pulled by
# both engines. Fixtures/treewalk.c (static) walks PSContainer's rootfs from inside a container and podman's
# merged image (`podman image mount`) on the host; the two listings are compared line by line, with each
# snapshotter. The intended differences (docs/LAYERS.md "Compared with podman") are asserted, not skipped:
#   - "/" is the container's own directory (mode 0755 like docker's), while podman's image mount shows 0555;
#   - a directory that an upper layer implies without listing it ("srv/b" but no "srv") keeps the metadata the
#     layers below gave it (containerd's behaviour, checked here against python's reading of the layers), where
#     containers/storage recreates it as root:root 0755 with the time of the pull;
#   - directories' link counts are the filesystem's, not the image's (overlay reports 1 for a merged directory);
#   - /etc holds the mount points of /etc/hosts, /etc/hostname and /etc/resolv.conf, made in the container's own
#     layer as runc makes them for podman's containers: its mtime is the container's, and an image without /etc
#     gets one (a root:root 0755 directory). The mounted files are the container's, not the image's: left out
#     where the image has no such file (the overlay walk does not even see them: other filesystems).

BeforeDiscovery {
    $builders = @('umoci', 'tarfile', 'buildah')
    $cases = foreach ($snapshotter in 'overlay', 'copy') { foreach ($builder in $builders) { @{ Builder = $builder; Snapshotter = $snapshotter } } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $python = if (Test-Path -LiteralPath '/usr/bin/python3') { '/usr/bin/python3' } else { 'python3' }
    $registry = Start-TestRegistry
    $walker = Get-TreeWalker
    $work = New-TestTempDirectory 'psc-parity'
    # podman and buildah get storage of their own under $work, so the machine's is never touched; runc because
    # this machine's podman has no working default runtime (nothing is run by podman here anyway).
    $podman = @('--root', "$work/podman", '--runroot', "$work/podman-run", '--storage-driver', 'overlay', '--runtime', 'runc')
    $buildah = @('--root', "$work/buildah", '--runroot', "$work/buildah-run", '--storage-driver', 'overlay')

    # Everything an image layer can hold, made with ordinary file operations (python's os module) so that umoci
    # and buildah each turn it into a layer their own way.
    $firstLayer = @'
import os, sys
R = sys.argv[1]
def p(*a): return os.path.join(R, *a)
os.makedirs(p('dirs/private')); os.chmod(p('dirs/private'), 0o700); os.chown(p('dirs/private'), 1000, 1000)
open(p('dirs/private/a'), 'w').write('a'); open(p('dirs/private/b'), 'w').write('b')
os.makedirs(p('tmp')); os.chmod(p('tmp'), 0o1777)
os.makedirs(p('bin'))
open(p('bin/suid'), 'w').write('suid'); os.chmod(p('bin/suid'), 0o4755)
open(p('bin/sgid'), 'w').write('sgid'); os.chown(p('bin/sgid'), 0, 50); os.chmod(p('bin/sgid'), 0o2755)
open(p('bin/ping'), 'w').write('ping'); os.chmod(p('bin/ping'), 0o755)
os.setxattr(p('bin/ping'), 'security.capability', bytes([1,0,0,2,0x80,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0]))
os.setxattr(p('bin/ping'), 'user.note', b'hello')
os.link(p('bin/suid'), p('bin/suid-link'))
os.symlink('/bin/suid', p('abs-link')); os.symlink('../bin/ping', p('dirs/rel-link')); os.symlink('nowhere', p('dangling'))
os.mkfifo(p('fifo'))
os.makedirs(p('devices')); os.mknod(p('devices/null'), 0o20666, os.makedev(1, 3)); os.mknod(p('devices/sda'), 0o60660, os.makedev(8, 0))
long = 'l' * 200
os.makedirs(p(long, long)); open(p(long, long, long), 'w').write('long')
os.makedirs(p('intl')); open(p('intl', 'données-日本語'), 'w').write('utf8')
open(os.path.join(R.encode(), b'intl', b'caf\xe9'), 'w').write('latin1')
open(p('owned'), 'w').write('o'); os.chown(p('owned'), 1234, 5678)
os.makedirs(p('gone/deep')); open(p('gone/deep/f'), 'w').write('f')
os.makedirs(p('becomes-file')); open(p('becomes-file/x'), 'w').write('x')
open(p('becomes-dir'), 'w').write('file')
os.makedirs(p('recreated/old')); open(p('recreated/old/f'), 'w').write('f')
os.makedirs(p('emptydir'))
os.utime(p('bin/ping'), ns=(1000000000123456789, 1000000000123456789))
'@
    $secondLayer = @'
import os, shutil, sys
R = sys.argv[1]
def p(*a): return os.path.join(R, *a)
os.remove(p('dirs/private/a'))
shutil.rmtree(p('gone'))
shutil.rmtree(p('becomes-file')); open(p('becomes-file'), 'w').write('now a file')
os.remove(p('becomes-dir')); os.makedirs(p('becomes-dir')); open(p('becomes-dir/inside'), 'w').write('i')
os.chmod(p('owned'), 0o600)
shutil.rmtree(p('recreated')); os.makedirs(p('recreated/new'))
os.link(p('bin/ping'), p('bin/ping-link'))
os.chmod(p('bin/suid'), 0o755)
'@

    $images = @{}
    $images.umoci = New-TestImage -Name parity-umoci -CacheKey ((Get-FileHash $walker).Hash + $firstLayer + $secondLayer) -Cmd '/.treewalk', '/' -Layer {
        param($RootFs) & $python -c $firstLayer $RootFs
    }.GetNewClosure(), {
        param($RootFs) & $python -c $secondLayer $RootFs
    }.GetNewClosure(), {
        param($RootFs) Copy-Item -LiteralPath $walker -Destination (Join-Path $RootFs '.treewalk')
    }.GetNewClosure()

    # Entries in orders and shapes only a hand-written tar has: an opaque marker after the directory's entries,
    # a whiteout and a re-creation in one layer, implied parents, a hardlink chain, exact nanosecond times.
    $images.tarfile = New-TarLayerImage -Name parity-tarfile -CacheKey (Get-FileHash $walker).Hash -Cmd '/.treewalk', '/' -Layer {
        param($Tar)
        Invoke-PythonTar -Path $Tar -Script @'
add('etc/', type=tarfile.DIRTYPE, mode=0o755)
add('etc/keep', b'k')
add('etc/gone', b'g')
add('var/', type=tarfile.DIRTYPE, mode=0o750, uid=7, gid=8)
add('var/lib/', type=tarfile.DIRTYPE, mode=0o755)
add('var/lib/old', b'o')
add('var/lib/deep/', type=tarfile.DIRTYPE, mode=0o755)
add('var/lib/deep/x', b'x')
add('var/cache/', type=tarfile.DIRTYPE, mode=0o700, uid=5)
add('var/cache/c', b'c')
add('swap/', type=tarfile.DIRTYPE, mode=0o751)
add('swap/in', b'i')
add('precise', b'p', pax={'mtime': '1234567890.123456789'})
add('old-times', b'p', mtime=86400)
add('sym', type=tarfile.SYMTYPE, link='etc/keep')
add('tofile/', type=tarfile.DIRTYPE, mode=0o755)
add('tofile/x', b'x')
add('merge/', type=tarfile.DIRTYPE, mode=0o755)
add('merge/lower', b'l')
add('d\xe9j\xe0', b'non-ascii')
add('\u00fcber/' + 'n' * 250, b'long name, implied parent')
'@
    }, {
        param($Tar)
        Invoke-PythonTar -Path $Tar -Script @'
add('etc/.wh.gone')
add('var/lib/', type=tarfile.DIRTYPE, mode=0o711)
add('var/lib/new', b'n')
add('var/cache/implicit', b'i')
add('var/.wh..wh..opq')
add('swap/.wh.in')
add('swap/in', b'again')
add('.wh.tofile')
add('tofile', b'now a file')
add('merge/', type=tarfile.DIRTYPE, mode=0o700, uid=3, gid=3, mtime=999)
add('merge/upper', b'u')
add('a', b'hard')
add('b', type=tarfile.LNKTYPE, link='a')
add('c', type=tarfile.LNKTYPE, link='b')
add('sym', b'a file over a symlink')
add('devs/', type=tarfile.DIRTYPE, mode=0o755)
add('devs/zero', type=tarfile.CHRTYPE, mode=0o666, major=1, minor=5)
add('devs/fifo', type=tarfile.FIFOTYPE, mode=0o600)
add('xdir/', type=tarfile.DIRTYPE, mode=0o755, pax={'SCHILY.xattr.user.dir': 'on a dir'})
add('caps', b'x', mode=0o755, pax={'SCHILY.xattr.security.capability': bytes([1,0,0,2,0x80,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0]).decode('utf-8', 'surrogateescape')})
'@
    }, {
        param($Tar)
        Invoke-PythonTar -Path $Tar -Script ("add('.treewalk', open('$walker', 'rb').read(), mode=0o755)")
    }.GetNewClosure()

    # buildah: layers are the overlay upper directories of working containers (opaque directories included).
    $container = & buildah @buildah from scratch
    $rootfs = & buildah @buildah mount $container
    & $python -c $firstLayer $rootfs
    $null = & buildah @buildah commit -q $container parity-1
    $container = & buildah @buildah from parity-1
    $rootfs = & buildah @buildah mount $container
    & $python -c $secondLayer $rootfs
    & $python -c "import os, shutil; shutil.rmtree('$rootfs/dirs'); os.makedirs('$rootfs/dirs/fresh')"
    Copy-Item -LiteralPath $walker -Destination (Join-Path $rootfs '.treewalk')
    $null = & buildah @buildah config --cmd '/.treewalk /' $container
    $null = & buildah @buildah commit -q $container parity-2
    $null = & buildah @buildah push -q parity-2 "oci:$work/buildah-layout:latest"
    $LASTEXITCODE | Should -Be 0
    $images.buildah = [pscustomobject]@{ Name = 'parity-buildah'; Path = "$work/buildah-layout"; Tag = 'latest'; Layout = "$work/buildah-layout:latest" }

    # Push each, then let podman pull and show it; and work out, from the layers alone, the implied directories.
    $published = @{}
    $podmanView = @{}
    $implied = @{}
    foreach ($builder in $images.Keys) {
        $published[$builder] = $images[$builder] | Publish-TestImage -Registry $registry -Repository "parity/$builder"
        $null = & podman @podman pull -q --tls-verify=false $published[$builder].Reference
        $LASTEXITCODE | Should -Be 0
        $mounted = & podman @podman image mount $published[$builder].Reference
        $podmanView[$builder] = @(& $walker $mounted)
        $null = & podman @podman image unmount $published[$builder].Reference
        $implied[$builder] = @(& $python (Join-Path $PSScriptRoot 'Fixtures/implicit_dirs.py') $images[$builder].Path $images[$builder].Tag)
    }

    # A listing as objects by path, with hardlinks named by their group (the smallest path sharing the inode).
    function ConvertFrom-Walk([string[]]$Lines) {
        $entries = [ordered]@{}
        foreach ($line in $Lines) {
            $f = $line -split "`t"
            $entries[$f[0]] = [pscustomobject]@{ Path = $f[0]; Type = $f[1]; Mode = $f[2]; Uid = $f[3]; Gid = $f[4]; Size = $f[5]; Mtime = $f[6]
                Link = $f[7]; Device = $f[8]; Inode = $f[9]; Nlink = $f[10]; Hash = $f[11]; Xattrs = $f[12]; Group = '' }
        }
        $entries.Values | Where-Object { $_.Type -ne 'dir' -and [int]$_.Nlink -gt 1 } | Group-Object Inode | Where-Object Count -GT 1 | ForEach-Object {
            $name = @($_.Group.Path | Sort-Object -CaseSensitive)[0]
            $_.Group | ForEach-Object { $_.Group = $name }
        }
        $entries
    }

    # The differences that are not documented ones, as readable lines (empty when the trees match).
    function Compare-Walk([string[]]$Ours, [string[]]$Theirs, [string[]]$Implied, [string]$Snapshotter) {
        $a = ConvertFrom-Walk $Ours
        $b = ConvertFrom-Walk $Theirs
        $impliedBy = @{}
        foreach ($line in $Implied) { $f = $line -split '\|'; $impliedBy[$f[0]] = $f }
        $all = 'Type', 'Mode', 'Uid', 'Gid', 'Size', 'Mtime', 'Link', 'Device', 'Nlink', 'Hash', 'Xattrs', 'Group'
        foreach ($path in @($a.Keys) + @($b.Keys) | Sort-Object -Unique -CaseSensitive) {
            $x = $a[$path]; $y = $b[$path]
            if ($path -in '/etc/hosts', '/etc/hostname', '/etc/resolv.conf' -and $x -and -not $y) { continue }
            if ($path -eq '/etc' -and $x -and -not $y) {
                if ("$($x.Type) $($x.Mode) $($x.Uid):$($x.Gid)" -ne 'dir 0755 0:0') { "/etc made for mount points: $($x.Type) $($x.Mode) $($x.Uid):$($x.Gid)" }
                continue
            }
            if (-not $x -or -not $y) { "$path only in $(if ($x) { 'PSContainer' } else { 'podman' })"; continue }
            # Link counts are the filesystem's: overlayfs counts a lower file's names in its own layer (a name replaced
            # above still counts) and 1 for a merged directory; a copy counts what the container has. Which names
            # share a file (Group) is compared always.
            $fields = if ($path -eq '/') { @('Type') }
                      elseif ($path -eq '/etc') { $all | Where-Object { $_ -notin 'Nlink', 'Mtime' } }
                      elseif ($impliedBy.ContainsKey($path)) { @('Type') }
                      elseif ($x.Type -eq 'dir' -or $Snapshotter -eq 'copy') { $all | Where-Object { $_ -ne 'Nlink' } }
                      else { $all }
            foreach ($field in $fields) {
                if ($x.$field -cne $y.$field) { "$path ${field}: PSContainer '$($x.$field)', podman '$($y.$field)'" }
            }
            if ($impliedBy.ContainsKey($path)) {
                # Documented difference: PSContainer keeps what the layers below gave the directory.
                $e = $impliedBy[$path]
                if ("$($x.Mode)|$($x.Uid)|$($x.Gid)" -ne "$($e[1])|$($e[2])|$($e[3])") { "$path implied: PSContainer $($x.Mode) $($x.Uid):$($x.Gid), layers $($e[1]) $($e[2]):$($e[3])" }
                if ($e[4] -ne '-' -and $path -ne '/etc' -and $x.Mtime -notlike "$($e[4]).*") { "$path implied: PSContainer mtime $($x.Mtime), layers $($e[4])" }
            }
        }
    }
}

AfterAll {
    if ($podman) { $null = & podman @podman rmi -a -f 2>&1 }
    if ($buildah) {
        $null = & buildah @buildah rm -a 2>&1
        $null = & buildah @buildah rmi -a -f 2>&1
    }
    if ($work) { & rm -rf -- $work }  # not Remove-Item: some names in there are not UTF-8
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Root filesystems match podman''s' -Tag Slow {
    It 'an image built by <Builder> shows a container the same tree as podman, with the <Snapshotter> snapshotter' -ForEach $cases {
        $env:PSCONTAINER_SNAPSHOTTER = $Snapshotter
        $store = New-TestStore
        try {
            Set-TestRegistryConfig -Insecure $registry.HostPort
            $null = Invoke-ContainerImagePull $published[$Builder].Reference -Quiet
            $ours = @(Start-Container $published[$Builder].Reference)
            $LASTEXITCODE | Should -Be 0
            $ours.Count | Should -BeGreaterThan 20
            $theirs = $podmanView[$Builder]
            Compare-Walk $ours $theirs $implied[$Builder] $Snapshotter | Should -BeNullOrEmpty
            # The documented differences are real, and the walk saw what it should (not a vacuous match).
            ($ours | Where-Object { $_ -like "/`t*" }) -split "`t" | Select-Object -Index 2 | Should -Be '0755'
            $theirs | Where-Object { $_ -like "*`tsecurity.capability=0100000280040000000000000000000000000000*" } | Should -Not -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:PSCONTAINER_SNAPSHOTTER
            Remove-TestStore $store
        }
    }

    It 'the images hold what the comparison is about: whiteouts, opaque directories, hardlinks, devices and odd names' {
        $names = foreach ($builder in $images.Keys) {
            $layout = $images[$builder].Path
            Get-ChildItem -LiteralPath (Join-Path $layout 'blobs/sha256') | ForEach-Object {
                & $python -c "import tarfile, sys`ntry:`n  print('\n'.join(m.name + ' ' + m.type.decode() for m in tarfile.open(sys.argv[1])))`nexcept tarfile.ReadError: pass" $_.FullName
            }
        }
        $names | Where-Object { $_ -match '(^|/)\.wh\.[^.]' } | Should -Not -BeNullOrEmpty
        $names | Where-Object { $_ -match '\.wh\.\.wh\.\.opq ' } | Should -Not -BeNullOrEmpty
        $names | Where-Object { $_ -match ' 1$' } | Should -Not -BeNullOrEmpty     # hardlinks
        $names | Where-Object { $_ -match ' [34]$' } | Should -Not -BeNullOrEmpty  # devices
        $names | Where-Object { $_ -match ' 6$' } | Should -Not -BeNullOrEmpty     # fifos
        $names | Where-Object { $_.Length -gt 400 } | Should -Not -BeNullOrEmpty   # long (PAX) names
    }
}
