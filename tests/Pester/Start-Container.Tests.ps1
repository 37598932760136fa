# Start-Container end to end: real registry, images built by umoci and pushed by skopeo, real containers.
# Every assertion is about what the container saw or what the registry and the store received.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox).Reference
    $null = New-HelloWorldImage | Publish-TestImage -Registry $registry -Repository library/hello-world
    $store = New-TestStore
    Set-TestRegistryConfig -Mirror $registry.Url
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Start-Container' {
    It 'pulls a missing image through the docker.io mirror and runs it, saying so first' {
        $info = $null
        $output = Start-Container hello-world -InformationVariable info
        $LASTEXITCODE | Should -Be 0
        ($info | ForEach-Object { "$_" }) | Should -Contain "Unable to find image 'hello-world:latest' locally"
        ($info | ForEach-Object { "$_" }) | Should -Contain 'Status: Downloaded newer image for hello-world:latest'
        $output | Should -Contain 'Hello from PSContainer!'
        $requests = Get-TestRegistryRequests $registry
        $requests | Where-Object { $_.Path -eq '/v2/library/hello-world/manifests/latest' } | Should -Not -BeNullOrEmpty
    }

    It 'runs a stored image again without contacting the registry' {
        $before = @(Get-TestRegistryRequests $registry).Count
        $output = Start-Container hello-world
        $output | Should -Contain 'Hello from PSContainer!'
        @(Get-TestRegistryRequests $registry).Count | Should -Be $before
    }

    It 'runs the command as PID 1 with its own hostname and only its own processes in /proc' {
        $output = Start-Container $busybox sh -c 'echo $$; hostname; ls /proc | head -3'
        $output[0] | Should -Be '1'
        $output[1] | Should -Not -BeNullOrEmpty
        $output[1] | Should -Not -Be ([System.Net.Dns]::GetHostName())
        $pids = Start-Container $busybox sh -c 'ls /proc' | Where-Object { $_ -match '^\d+$' } | ForEach-Object { [int]$_ }
        $pids | Should -Contain 1
        # Only the shell and ls exist in the new PID namespace; the host has hundreds of processes.
        @($pids).Count | Should -BeLessOrEqual 3
        $pids | ForEach-Object { $_ | Should -BeLessThan 10 }
    }

    It 'has a network namespace of its own with only a loopback interface that is up' {
        $interfaces = Start-Container $busybox sh -c 'cat /proc/net/dev' | Where-Object { $_ -match ':' } | ForEach-Object { ($_ -split ':')[0].Trim() }
        $interfaces | Should -Be @('lo')
        Start-Container $busybox cat /sys/class/net/lo/operstate | Should -BeIn @('unknown', 'up')
    }

    It 'streams stdout as it is produced' {
        $stamped = Start-Container $busybox sh -c 'echo first; sleep 2; echo second' | ForEach-Object { [pscustomobject]@{ Line = $_; At = [datetime]::UtcNow } }
        $stamped.Line | Should -Be @('first', 'second')
        ($stamped[1].At - $stamped[0].At).TotalSeconds | Should -BeGreaterThan 1
    }

    It 'sets $LASTEXITCODE to the exit code and returns the container with -PassThru' {
        $result = Start-Container $busybox sh -c 'echo out; exit 3' -PassThru
        $LASTEXITCODE | Should -Be 3
        $result[0] | Should -Be 'out'
        $container = $result[-1]
        $container | Should -BeOfType 'PSContainer.Runtime.Containers.Container'
        $container.ExitCode | Should -Be 3
        $container.Status | Should -Be 'Exited'
        $container.Image | Should -Be $busybox -Because 'the image is named as the user named it, as docker ps does'
    }

    It 'writes stderr like a native command: redirectable, and no stop under ErrorActionPreference Stop' {
        $ErrorActionPreference = 'Stop'
        $all = Start-Container $busybox sh -c 'echo out; echo err >&2' 2>&1
        $all | Where-Object { $_ -is [string] } | Should -Be 'out'
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].Exception.Message | Should -Be 'err'
        $quiet = Start-Container $busybox sh -c 'echo out; echo err >&2' 2>$null
        $quiet | Should -Be 'out'
    }

    It 'passes pipeline input to stdin' {
        'hello', 'world' | Start-Container $busybox -- wc -l | ForEach-Object Trim | Should -Be '2'
        Start-Container $busybox -- cat | Should -BeNullOrEmpty -Because 'without input, stdin is at end of file at once'
    }

    It 'applies the environment, working directory, entrypoint and hostname it is given' {
        $output = Start-Container $busybox -Environment @{ GREETING = 'hi there' } -WorkingDirectory /tmp -Hostname box1 sh -c 'echo "$GREETING"; pwd; hostname; echo $PATH'
        $output | Should -Be @('hi there', '/tmp', 'box1', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
        Start-Container $busybox -Entrypoint echo -- from entrypoint | Should -Be 'from entrypoint'
    }

    It 'keeps the container changes in the container, never in the image' {
        Start-Container $busybox sh -c 'echo changed > /marker; rm /bin/ls; cat /marker' | Should -Be 'changed'
        Start-Container $busybox sh -c 'test -e /marker || echo absent; test -e /bin/ls && echo present' | Should -Be @('absent', 'present')
    }

    It 'answers 127 for a command that does not exist, with an error naming it' {
        $err = $null
        Start-Container $busybox no-such-command -ErrorVariable err -ErrorAction SilentlyContinue
        $LASTEXITCODE | Should -Be 127
        $err[0].FullyQualifiedErrorId | Should -Match '^ContainerCommandNotFound'
        "$($err[0])" | Should -Match 'no-such-command'
    }

    It 'fails with ImageNotFound for an image the registry does not have' {
        { Start-Container "$($registry.HostPort)/test/missing:1" -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        $LASTEXITCODE | Should -Be 125
    }
}
