# Invoke-ContainerCommand (docker exec) end to end: a command joins a running container. Every assertion is about
# what the command sees from inside, compared with what the container's own init sees.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ContainerJobs.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busyboxImage = New-BusyboxImage
    $probe = (New-SyscallProbeImage -Base $busyboxImage.Layout | Publish-TestImage -Registry $registry -Repository test/probe).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $probe
    $web = Start-TestContainerJob -Image $probe -Name web -Command sleep, 600 -Parameters @{ Hostname = 'webhost'; Environment = @{ FROM = 'container' }; WorkingDirectory = '/bin'; Memory = '64m' }
}

AfterAll {
    if ($web) { $web | Stop-TestContainerJob }
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Invoke-ContainerCommand' {
    It 'runs in the same namespaces as the container''s init: same hostname, same processes, its own PID' {
        $out = Invoke-ContainerCommand web sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "; echo; for n in mnt uts ipc net pid cgroup; do [ $(readlink /proc/self/ns/$n) = $(readlink /proc/1/ns/$n) ] && echo $n; done; echo $$'
        $LASTEXITCODE | Should -Be 0
        $out[0] | Should -Be 'webhost'
        $out[1] | Should -Be 'sleep 600 '
        $out[2..7] | Should -Be @('mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup')
        $out[8] | Should -Not -Be '1'
    }

    It 'is in the container''s cgroup, under its limits' {
        $out = Invoke-ContainerCommand web sh -c 'cat /proc/self/cgroup | sort; echo ---; cat /proc/1/cgroup | sort; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
        $split = [array]::IndexOf($out, '---')
        $out[0..($split - 1)] | Should -Be $out[($split + 1)..($split + ($split))]
        $out[-1] | Should -Be ([string](64MB))
    }

    It 'has the container''s capabilities, no_new_privs and seccomp filter' {
        Invoke-ContainerCommand web -- grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status |
            Should -Be @("CapEff:`t00000000a80425fb", "CapBnd:`t00000000a80425fb", "NoNewPrivs:`t0", "Seccomp:`t2")
        $probed = Invoke-ContainerCommand web /syscall-probe
        $probed | Should -Contain 'vmsplice EPERM'
        $probed | Should -Contain 'getpid OK'
        (Invoke-ContainerCommand web -Privileged -- grep CapEff /proc/self/status) | Should -Not -Be "CapEff:`t00000000a80425fb"
    }

    It 'has the container''s environment and working directory unless told otherwise' {
        Invoke-ContainerCommand web sh -c 'echo "$FROM $HOSTNAME"; pwd' | Should -Be @('container webhost', '/bin')
        Invoke-ContainerCommand web -Environment @{ FROM = 'exec'; ADDED = 'yes' } -WorkingDirectory / -User 1000:1000 sh -c 'echo "$FROM $ADDED"; pwd; id -u; id -g' |
            Should -Be @('exec yes', '/', '1000', '1000')
    }

    It 'passes pipeline input to stdin, stdout to the pipeline and stderr as native errors' {
        'a', 'b', 'c' | Invoke-ContainerCommand web -- wc -l | ForEach-Object Trim | Should -Be '3'
        $all = Invoke-ContainerCommand web sh -c 'echo out; echo err >&2' 2>&1
        $all | Where-Object { $_ -is [string] } | Should -Be 'out'
        ($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Be 'err'
    }

    It '-Interactive gives the command what is piped into pwsh (docker exec -i), and only with -Interactive' {
        $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        'x', 'y' | & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Invoke-ContainerCommand web -Interactive -- wc -l" |
            ForEach-Object Trim | Should -Be '2'
        'x', 'y' | & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Invoke-ContainerCommand web -- wc -l" |
            ForEach-Object Trim | Should -Be '0'
    }

    It 'sets $LASTEXITCODE and returns a result with -PassThru' {
        $result = Invoke-ContainerCommand web sh -c 'exit 7' -PassThru
        $LASTEXITCODE | Should -Be 7
        $result.ExitCode | Should -Be 7
        $result.ContainerName | Should -Be 'web'
        $result.Command | Should -Be @('sh', '-c', 'exit 7')
    }

    It 'answers 127 for a command that does not exist' {
        $err = $null
        Invoke-ContainerCommand web no-such-command -ErrorVariable err -ErrorAction SilentlyContinue 2>$null
        $LASTEXITCODE | Should -Be 127
        $err[-1].FullyQualifiedErrorId | Should -Match '^ContainerCommandNotFound'
    }

    It 'refuses a container that is not running, or does not exist' {
        Start-Container $probe -Name stopped true
        { Invoke-ContainerCommand stopped true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotRunning,*'
        $LASTEXITCODE | Should -Be 125
        { Invoke-ContainerCommand no-such-container true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,*'
    }

    It 'leaves no process of its own behind in the container' {
        Invoke-ContainerCommand web sh -c 'sleep 0.1'
        (Get-ContainerProcess web).Command | Should -Be 'sleep 600'
    }
}
