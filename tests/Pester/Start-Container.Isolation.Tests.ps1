# Start-Container's isolation: docker's defaults, each asserted from inside a container, and the run options
# that change them (users, capabilities, privileged, network, read-only, tmpfs, volumes, limits, init).
# Independent witnesses where there are any: capsh decodes capability masks, the kernel's own files say what a
# cgroup and a mount are, a static C program makes the system calls busybox cannot.

BeforeDiscovery {
    $script:HostHasMasked = @('/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap') |
        Where-Object { Test-Path -LiteralPath $_ }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busyboxImage = New-BusyboxImage
    $busybox = ($busyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $probe = (New-SyscallProbeImage -Base $busyboxImage.Layout | Publish-TestImage -Registry $registry -Repository test/probe).Reference
    $users = (New-TestImage -Name busybox-users -Base $busyboxImage.Layout -Cmd sh -Layer {
            param($RootFs)
            $etc = New-Item -ItemType Directory -Force -Path (Join-Path $RootFs 'etc')
            Set-Content -LiteralPath (Join-Path $etc 'passwd') -Value "root:x:0:0:root:/root:/bin/sh`napp:x:1000:1000:App:/home/app:/bin/sh"
            Set-Content -LiteralPath (Join-Path $etc 'group') -Value "root:x:0:`napp:x:1000:`nstaff:x:50:app`naudio:x:29:app"
            $data = New-Item -ItemType Directory -Force -Path (Join-Path $RootFs 'data')
            Set-Content -LiteralPath (Join-Path $data 'seed') -Value 'from the image'
        } | Publish-TestImage -Registry $registry -Repository test/users).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $busybox, $probe, $users

    # capsh (libcap2-bin) decodes a CapXxx mask from /proc/<pid>/status into capability names.
    function Get-CapabilityName([string]$Mask) {
        ((& capsh "--decode=$Mask") -split '=', 2)[1] -split ',' | Where-Object { $_ } | ForEach-Object { $_.ToUpperInvariant() } | Sort-Object
    }
    $dockerDefaults = 'CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD',
        'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Start-Container isolation defaults' {
    It 'gives root exactly docker''s 14 capabilities in the bounding, permitted and effective sets, none inheritable or ambient' {
        $status = @{}
        Start-Container $busybox grep ^Cap /proc/self/status | ForEach-Object { $name, $value = $_ -split ":\t"; $status[$name] = $value }
        foreach ($set in 'CapBnd', 'CapPrm', 'CapEff') {
            Get-CapabilityName $status[$set].Trim() | Should -Be $dockerDefaults -Because $set
        }
        $status.CapInh.Trim() | Should -Be '0000000000000000'
        $status.CapAmb.Trim() | Should -Be '0000000000000000'
        # docker sets no_new_privs only with --security-opt no-new-privileges: set-id programs in images work.
        Start-Container $busybox grep NoNewPrivs /proc/self/status | Should -Match '^NoNewPrivs:\s+0$'
    }

    It 'cannot mount or unshare' {
        $out = Start-Container $busybox sh -c 'mount -t tmpfs none /bin && echo mounted; unshare -m true && echo unshared; unshare -n true && echo unshared' 2>&1
        $out | Where-Object { $_ -is [string] } | Should -BeNullOrEmpty
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) -join "`n" | Should -Match 'Operation not permitted'
    }

    It 'masks <_> (empty inside, while the host has it)' -ForEach $HostHasMasked {
        $path = $_
        $out = Start-Container $busybox sh -c "if [ -d $path ]; then ls -A $path | wc -l; else wc -c < $path; fi"
        $LASTEXITCODE | Should -Be 0
        $out.Trim() | Should -Be '0'
    }

    It 'makes /proc/sys, /proc/bus, /proc/fs and /proc/irq read-only and /sys read-only' {
        $out = Start-Container $busybox sh -c 'for p in /proc/sys /proc/bus /proc/fs /proc/irq /sys; do grep " $p " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1; done; echo 1 > /proc/sys/kernel/hostname || echo refused' 2>$null
        $out | Should -Be @('ro', 'ro', 'ro', 'ro', 'ro', 'refused')
    }

    It 'has only the default devices in /dev, and the device cgroup refuses others even when a node is made' {
        $out = Start-Container $busybox sh -c 'ls /dev; echo ---; mknod /dev/xsda b 8 0 && head -c 1 /dev/xsda; echo ---; head -c 3 /dev/zero | wc -c' 2>&1
        $strings = @($out | Where-Object { $_ -is [string] })
        $strings[0..($strings.IndexOf('---') - 1)] | Should -Be @('fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero')
        $strings[-1].Trim() | Should -Be '3'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) -join "`n" | Should -Match 'Operation not permitted'
        Start-Container $busybox sh -c 'mount | grep -E " /dev/(pts|shm|mqueue) " | cut -d" " -f3,5' | Should -Be @('/dev/pts devpts', '/dev/mqueue mqueue', '/dev/shm tmpfs')
    }

    It 'runs the command as PID 1 with its own cgroup namespace' {
        Start-Container $busybox cat /proc/1/cmdline | Should -Be "cat`0/proc/1/cmdline`0"
        Start-Container $busybox sh -c 'grep -E "^[0-9]+:(memory|pids):" /proc/self/cgroup' | Should -Be @('8:pids:/', '4:memory:/') -Because 'the container''s own cgroup is the root of its cgroup namespace'
    }

    It 'lets its seccomp filter refuse what docker''s profile refuses, with EPERM; -Privileged has no filter' {
        $confined = Start-Container $probe
        $confined | Should -Contain 'getpid OK'
        $confined | Should -Contain 'vmsplice EPERM'
        $confined | Should -Contain 'sysfs EPERM'
        $confined | Should -Contain 'add_key ENOSYS' -Because 'containers-common''s profile answers ENOSYS for what it does not list'
        Start-Container $busybox grep Seccomp: /proc/self/status | Should -Match '^Seccomp:\s+2$'
        # Without no_new_privs the filter is loaded while the shim is still root; it holds for other users all the same.
        Start-Container $probe -User 1000 | Should -Contain 'vmsplice EPERM'
        $privileged = Start-Container $probe -Privileged
        $privileged | Should -Contain 'vmsplice OK'
        $privileged | Should -Contain 'sysfs OK'
    }

    It 'generates /etc/hostname, /etc/hosts and /etc/resolv.conf, without loopback nameservers, and sets PATH, HOSTNAME and HOME' {
        $out = Start-Container $busybox -Hostname box1 sh -c 'cat /etc/hostname; grep -c localhost /etc/hosts; grep nameserver /etc/resolv.conf; echo "$PATH|$HOSTNAME|$HOME"'
        $out[0] | Should -Be 'box1'
        [int]$out[1] | Should -BeGreaterThan 0
        $hostNameservers = @(Get-Content /etc/resolv.conf | Where-Object { $_ -match '^nameserver\s+(\S+)' } | ForEach-Object { $Matches[1] } |
                Where-Object { -not [System.Net.IPAddress]::IsLoopback([System.Net.IPAddress]::Parse(($_ -split '%')[0])) })
        $expected = if ($hostNameservers) { $hostNameservers | ForEach-Object { "nameserver $_" } } else { 'nameserver 8.8.8.8', 'nameserver 8.8.4.4', 'nameserver 2001:4860:4860::8888', 'nameserver 2001:4860:4860::8844' }
        $out[2..($out.Count - 2)] | Should -Be $expected
        $out[-1] | Should -Be '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|box1|/'
    }

    It 'hands the command only stdin, stdout and stderr' {
        Start-Container $busybox ls /proc/self/fd | Should -Be @('0', '1', '2', '3') -Because 'ls itself holds 3, the directory it lists'
    }

    It 'answers 128+n when signal n ends the command (here with -Init, as PID 1 ignores what it does not handle)' {
        Start-Container $busybox -Init sh -c 'kill -TERM $$; sleep 5'
        $LASTEXITCODE | Should -Be 143
    }
}

Describe 'Start-Container -User' {
    It 'resolves a name in the image''s /etc/passwd and /etc/group, with supplementary groups and HOME' {
        Start-Container $users -User app sh -c 'id -un; id -u; id -g; grep ^Groups: /proc/self/status; echo $HOME' |
            Should -Be @('app', '1000', '1000', "Groups:`t29 50 ", '/home/app')
    }

    It 'takes uid:gid and group names, and a uid that is not in passwd gets HOME=/' {
        $out = Start-Container $users -User 1000:staff sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
        $out[0..1] | Should -Be @('1000', '50')
        $out[2] | Should -Match '^Groups:\s*$' -Because 'an explicit group replaces the supplementary ones'
        Start-Container $users -User 4242 sh -c 'id -u; id -g; echo $HOME' | Should -Be @('4242', '0', '/')
    }

    It 'gives a user that is not root no effective capabilities, as docker does' {
        Start-Container $users -User app -- grep -E '^Cap(Eff|Bnd)' /proc/self/status | Should -Be @("CapEff:`t0000000000000000", "CapBnd:`t00000000a80425fb")
    }

    It 'fails with ContainerUserNotFound for a name the image does not know' {
        { Start-Container $users -User nobody true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerUserNotFound,*'
        $LASTEXITCODE | Should -Be 125
    }
}

Describe 'Start-Container options' {
    It 'adds and drops capabilities (-AddCapability, -DropCapability)' {
        $mask = (Start-Container $busybox -AddCapability NET_ADMIN -DropCapability CAP_CHOWN, kill grep CapEff /proc/self/status).Split("`t")[1]
        Get-CapabilityName $mask | Should -Be ($dockerDefaults + 'CAP_NET_ADMIN' | Where-Object { $_ -notin 'CAP_CHOWN', 'CAP_KILL' } | Sort-Object)
        { Start-Container $busybox -AddCapability FLY true -ErrorAction Stop } | Should -Throw -ErrorId 'CapabilityUnknown,*'
    }

    It 'lifts the hardening with -Privileged' {
        $out = Start-Container $busybox -Privileged sh -c 'grep CapEff /proc/self/status; mount -t tmpfs none /mnt 2>/dev/null || mkdir /m && mount -t tmpfs none /m && echo mounted; grep " /sys " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1; ls /dev | wc -l'
        $ownBounding = (Get-Content /proc/self/status | Where-Object { $_ -like 'CapBnd:*' }).Split("`t")[1]
        $out[0] | Should -Be "CapEff:`t$ownBounding"
        $out[1] | Should -Be 'mounted'
        $out[2] | Should -Be 'rw'
        [int]$out[3] | Should -BeGreaterThan 14 -Because 'the host''s devices are there too'
    }

    It 'shares the host''s network with -Network host' {
        $hostInterfaces = Get-ChildItem /sys/class/net | ForEach-Object Name | Sort-Object
        Start-Container $busybox -Network host ls /sys/class/net | Sort-Object | Should -Be $hostInterfaces
        Start-Container $busybox -Network host hostname | Should -Be ([System.Net.Dns]::GetHostName())
        Start-Container $busybox ls /sys/class/net | Should -Be 'lo'
    }

    It 'makes the root read-only with -ReadOnly, while -Tmpfs mounts stay writable' {
        $out = Start-Container $busybox -ReadOnly -Tmpfs /scratch:size=1m sh -c 'touch /x || echo refused; touch /scratch/y && echo written; grep " /scratch " /proc/self/mounts | cut -d" " -f3,4' 2>$null
        $out[0..1] | Should -Be @('refused', 'written')
        $out[2] | Should -Match '^tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k'
    }

    It 'binds host directories with -Volume, read-only with :ro' {
        $dir = New-TestTempDirectory
        Set-Content -LiteralPath (Join-Path $dir 'note') -Value 'from the host'
        Start-Container $busybox -Volume "${dir}:/data" sh -c 'cat /data/note; echo back > /data/reply' | Should -Be 'from the host'
        Get-Content -LiteralPath (Join-Path $dir 'reply') | Should -Be 'back'
        Start-Container $busybox -Volume "${dir}:/data:ro" sh -c 'echo x > /data/other || echo refused' 2>$null | Should -Be 'refused'
        Test-Path -LiteralPath (Join-Path $dir 'other') | Should -BeFalse
    }

    It 'creates a named volume on first use, filled from the image, and keeps it for the next container' {
        Start-Container $users -Volume 'appdata:/data' sh -c 'cat /data/seed; echo kept > /data/new' | Should -Be 'from the image'
        $volume = Join-Path $env:PSCONTAINER_ROOT 'volumes/appdata/_data'
        Get-Content -LiteralPath (Join-Path $volume 'new') | Should -Be 'kept'
        Start-Container $busybox -Volume 'appdata:/elsewhere' cat /elsewhere/seed /elsewhere/new | Should -Be @('from the image', 'kept')
    }

    It 'kills a process over -Memory and reports it as an OOM kill' {
        $result = Start-Container $busybox -Memory 32m -PassThru -- dd if=/dev/zero of=/dev/null bs=128M count=1 2>$null
        $LASTEXITCODE | Should -Be 137
        $result[-1].OOMKilled | Should -BeTrue
        (Start-Container $busybox -Memory 32m -PassThru true)[-1].OOMKilled | Should -BeFalse
    }

    It 'stops a fork loop at -PidsLimit' {
        # The loop runs in a subshell, which dies at the first fork the kernel refuses (without the limit it would
        # never end); the processes are then counted with a glob and the limit read with exec: no fork needed.
        $out = Start-Container $busybox -PidsLimit 10 sh -c '(while :; do sleep 30 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#; exec cat /sys/fs/cgroup/pids/pids.max'
        [int]$out[0] | Should -BeLessOrEqual 10
        [int]$out[0] | Should -BeGreaterThan 5
        $out[1] | Should -Be '10'
    }

    It 'limits CPU time with -Processors' {
        Start-Container $busybox -Processors 0.5 cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us | Should -Be @('50000', '100000')
    }

    It 'runs a minimal init as PID 1 with -Init that reaps orphans' {
        $out = Start-Container $busybox -Init sh -c '(sleep 0.1 &); sleep 0.5; cat /proc/1/comm; grep -l "^State:.Z" /proc/[0-9]*/status | wc -l; echo $$'
        $out[0] | Should -Be 'psc-shim'
        $out[1].Trim() | Should -Be '0'
        $out[2] | Should -Not -Be '1'
    }

    It 'gives every thread of the -Init process only what its command has: user <User>' -TestCases @(
        @{ User = '0' }, @{ User = '1000:1000' }
    ) {
        param($User)
        # Capability sets, no_new_privs and seccomp filters belong to a thread, not to the process. The command's own
        # status is the reference: docker's tini, exec'd like it, has the same.
        $script = 'f() { grep -E "^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp(_filters)?):" $1 | tr -s " \t" " " | tr "\n" ";"; echo; }
                   f /proc/self/status; for t in /proc/1/task/*; do f $t/status; done'
        $out = @(Start-Container $busybox -Init -User $User sh -c $script)
        $LASTEXITCODE | Should -Be 0
        $out.Count | Should -BeGreaterThan 2 # the command, then the init's main thread and at least the runtime's
        $out[0] | Should -Match 'Seccomp: 2;'
        foreach ($thread in $out[1..($out.Count - 1)]) { $thread | Should -Be $out[0] }
    }

    It 'leaves the mount table, the cgroup tree and the process list as they were after 100 runs' -Tag Slow {
        function Get-Snapshot {
            $roots = @((Get-Content /proc/self/mountinfo | Where-Object { $_ -match ' - cgroup2? ' }) | ForEach-Object { ($_ -split ' ')[4] })
            [pscustomobject]@{
                # The store's mounts only: other programs on the machine may mount and unmount meanwhile.
                Mounts   = @(Get-Content /proc/self/mountinfo | Where-Object { $_.Contains($env:PSCONTAINER_ROOT) })
                # Only this store's containers: other PSContainer users on the machine come and go meanwhile.
                Cgroups  = @($roots | ForEach-Object { Get-ChildItem -LiteralPath $_ -Directory -Recurse -Filter 'psc-*' -ErrorAction SilentlyContinue } |
                        Where-Object { Test-Path -LiteralPath (Join-Path $env:PSCONTAINER_ROOT "containers/$($_.Name.Substring(4))") } | ForEach-Object FullName)
                Children = @(Get-Process | Where-Object { $_.Parent.Id -eq $PID } | ForEach-Object Id)
                Zombies  = @(Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | ForEach-Object {
                        Get-Content -LiteralPath "$($_.FullName)/stat" -ErrorAction SilentlyContinue } |
                        Where-Object { $_ -match "^\d+ \(.*\) Z $PID " })
            }
        }
        $before = Get-Snapshot
        for ($i = 0; $i -lt 100; $i++) { Start-Container $busybox true }
        $after = Get-Snapshot
        $LASTEXITCODE | Should -Be 0
        $after.Mounts | Should -Be $before.Mounts
        $after.Mounts | Should -BeNullOrEmpty -Because 'every container mounts in a namespace of its own'
        $after.Cgroups | Should -BeNullOrEmpty
        $after.Children | Should -Be $before.Children
        $after.Zombies | Should -BeNullOrEmpty
    }
}
