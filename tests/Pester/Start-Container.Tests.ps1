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
    Get-Container -All -ErrorAction SilentlyContinue | Remove-Container -Force -ErrorAction SilentlyContinue
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

    It '-Interactive gives the container what is piped into pwsh, and only with -Interactive' {
        $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        $null = Invoke-ContainerImagePull $busybox -Quiet # so the child's output is the container's alone
        $withIt = 'one', 'two' | & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Start-Container $busybox -Remove -Interactive cat"
        $withIt | Should -Be @('one', 'two')
        $without = 'one', 'two' | & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Start-Container $busybox -Remove cat; 'exit ' + `$LASTEXITCODE"
        $without | Should -Be @('exit 0') -Because 'without -Interactive the container''s stdin is at end of file at once'
        $existing = New-Container $busybox cat
        try {
            $again = 'three' | & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Start-Container -Name $($existing.Name) -Attach -Interactive"
            $again | Should -Be 'three' -Because 'an existing container started with -Attach takes it too (docker start -ai)'
        }
        finally { Remove-Container $existing -Force }
    }

    It '-Interactive stops reading pwsh''s stdin when the container ends, though the input goes on' {
        $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        # pwsh's stdin is a pipe that stays open for 60 s: pwsh must end with the container, long before.
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = & bash -c "exec 3< <(sleep 60); writer=`$!; dotnet pwsh -NoProfile -NonInteractive -Command `"Import-Module '$manifest'; Start-Container $busybox -Remove -Interactive true; 'exit ' + \`$LASTEXITCODE`" <&3; kill `$writer"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $out | Should -Be 'exit 0'
    }

    It '-Interactive at a terminal: the user''s lines reach the container, and the prompt gets the next ones' {
        $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        $steps = @(
            'expect PS '
            "send Import-Module '$manifest'; Start-Container $busybox -Remove -Interactive sh -c 'echo ready-`$((40+2)); read line; echo got:`$line; exit 3'; 'after: ' + `$LASTEXITCODE"
            'expect ready-42'
            'send hello'
            'expect got:hello'
            'expect after: 3'
            "send 'prompt-' + (6*7)"
            'expect prompt-42'
            'send exit'
        )
        $transcript = $steps | & python3 (Join-Path $PSScriptRoot 'Fixtures/pty_session.py') 30 dotnet pwsh -NoProfile -NoLogo
        $LASTEXITCODE | Should -Be 0 -Because ($transcript -join "`n")
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

    It 'ends the container when the pipeline stops taking its output, as Ctrl+C does' {
        Start-Container $busybox -Name endless sh -c 'yes' | Select-Object -First 2 | Should -Be @('y', 'y')
        Wait-TestCondition { (Get-Container -All endless).Status -eq 'Exited' } -Because 'it is killed, not left writing to nobody'
        (Get-Container endless).ExitCode | Should -Be 137
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

    It 'leaves no psc-shim and no container behind when the run stops before its container exists' {
        # The shim of a new container is started before the image is looked up (PreparedLaunch); a run that goes no
        # further must not leave it waiting, nor create anything.
        $containers = @(Get-ChildItem -LiteralPath (Join-Path $store.Root 'containers') -ErrorAction SilentlyContinue).Count
        $before = @(Get-TestStoreProcess -Root $store.Root)
        { Start-Container "$($registry.HostPort)/test/missing:2" -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        { Start-Container "$($registry.HostPort)/test/missing:2" -Detach -Remove -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        { Start-Container $busybox -Name '-bad name-' true -ErrorAction Stop } | Should -Throw
        @(Get-TestStoreProcess -Root $store.Root | Where-Object { $_ -notin $before }) | Should -BeNullOrEmpty -Because 'an unused shim is told to exit and reaped'
        @(Get-ChildItem -LiteralPath (Join-Path $store.Root 'containers') -ErrorAction SilentlyContinue).Count | Should -Be $containers
    }
}

Describe 'Start-Container -EnvFile' {
    BeforeAll {
        $envDir = New-TestTempDirectory 'psc-envfile'
        function Write-EnvFile([string]$Name, [string[]]$Lines) {
            $path = Join-Path $envDir $Name
            [IO.File]::WriteAllText($path, ($Lines -join "`n") + "`n")
            $path
        }
    }

    AfterAll {
        Remove-Item -LiteralPath $envDir -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'gives the container the variables of the file, read as docker reads them' {
        $file = Write-EnvFile app.env '# a comment', '', '   INDENTED=yes', 'QUOTED="kept"', 'SPACES=a b  ', 'EQUALS=x=y',
            'PSC_TEST_FROM_SESSION', 'PSC_TEST_NOT_SET'
        $env:PSC_TEST_FROM_SESSION = 'from the session'
        try {
            $vars = Start-Container $busybox -EnvFile $file env
        }
        finally {
            Remove-Item Env:PSC_TEST_FROM_SESSION
        }
        $vars | Should -Contain 'INDENTED=yes'
        $vars | Should -Contain 'QUOTED="kept"' -Because 'quotes are part of the value'
        $vars | Should -Contain 'SPACES=a b  ' -Because 'trailing whitespace is part of the value'
        $vars | Should -Contain 'EQUALS=x=y'
        $vars | Should -Contain 'PSC_TEST_FROM_SESSION=from the session' -Because 'a bare name passes the caller''s value'
        $vars | Where-Object { $_ -like 'PSC_TEST_NOT_SET*' -or $_ -like '#*' } | Should -BeNullOrEmpty
    }

    It 'layers the image''s Env, the env files in order, then -Environment' {
        $first = Write-EnvFile first.env 'PATH=/bin:/from-file', 'FIRST=1', 'BOTH=first', 'PARAM=file'
        $second = Write-EnvFile second.env 'BOTH=second'
        $vars = Start-Container $busybox -EnvFile $first, $second -Environment @{ PARAM = 'parameter' } env
        @($vars -like 'PATH=*') | Should -Be @('PATH=/bin:/from-file') -Because 'an env file overrides the image''s Env'
        $vars | Should -Contain 'FIRST=1'
        @($vars -like 'BOTH=*') | Should -Be @('BOTH=second') -Because 'a later file overrides an earlier one'
        @($vars -like 'PARAM=*') | Should -Be @('PARAM=parameter') -Because '-Environment overrides the files'
    }

    It 'reads a relative path from the current location, and New-Container takes it too' {
        $null = Write-EnvFile relative.env 'WHERE=relative'
        Push-Location $envDir
        try {
            Start-Container $busybox -EnvFile ./relative.env env | Should -Contain 'WHERE=relative'
            $c = New-Container $busybox -EnvFile relative.env env
        }
        finally {
            Pop-Location
        }
        $c | Start-Container -Attach | Should -Contain 'WHERE=relative'
    }

    It 'fails with EnvFileNotFound before pulling or creating anything' {
        $requests = @(Get-TestRegistryRequests $registry).Count
        $containers = @(Get-Container -All).Count
        { Start-Container "$($registry.HostPort)/test/busybox:not-pulled" -EnvFile (Join-Path $envDir 'missing.env') true -ErrorAction Stop } |
            Should -Throw -ErrorId 'EnvFileNotFound,*' -ExpectedMessage '*missing.env: no such file*'
        $LASTEXITCODE | Should -Be 125
        @(Get-TestRegistryRequests $registry).Count | Should -Be $requests
        @(Get-Container -All).Count | Should -Be $containers
    }

    It 'refuses a variable name with whitespace (EnvFileInvalid), naming the file and line' {
        $file = Write-EnvFile bad.env 'GOOD=1', 'BAD NAME=2'
        { Start-Container $busybox -EnvFile $file true -ErrorAction Stop } |
            Should -Throw -ErrorId 'EnvFileInvalid,*' -ExpectedMessage "*bad.env, line 2: variable name `"BAD NAME`" contains whitespace*"
    }
}

Describe 'Start-Container -Detach, -Remove, and existing containers' {
    It '-Detach returns the running container at once; its output goes to its log' {
        $c = Start-Container $busybox -Detach -Name detached sh -c 'echo to-log; echo err-to-log >&2; exec sleep 600'
        $c | Should -BeOfType 'PSContainer.Runtime.Containers.Container'
        $c.Status | Should -Be 'Running'
        Test-Path "/proc/$($c.Pid)" | Should -BeTrue
        Wait-TestCondition { (Get-ContainerLog detached -AsObject).Count -eq 2 }
        Get-ContainerLog detached 2>$null | Should -Be 'to-log'
        # The container's stdin is /dev/null, and its monitor holds nothing of this process.
        (Get-Item "/proc/$($c.Pid)/fd/0").LinkTarget | Should -Be '/dev/null'
        0..2 | ForEach-Object { (Get-Item "/proc/$($c.MonitorPid)/fd/$_").LinkTarget | Should -Be '/dev/null' }
    }

    It 'a command that cannot run fails detached too, with the exit code docker gives' {
        $err = $null
        $result = Start-Container $busybox -Detach -Name cannot no-such-command -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 127
        $err[0].FullyQualifiedErrorId | Should -Match '^ContainerCommandNotFound'
        (Get-Container cannot).ExitCode | Should -Be 127
    }

    It '-Remove removes an attached container when it exits, after reporting its output and code' {
        $output = Start-Container $busybox -Remove -Name removed-attached sh -c 'echo bye; exit 4'
        $output | Should -Be 'bye'
        $LASTEXITCODE | Should -Be 4
        Get-Container -All removed-attached -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-Remove -Detach: the container removes itself when it exits, with nothing left running' {
        $c = Start-Container $busybox -Detach -Remove -Name removed-detached sh -c 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'
        Wait-TestCondition { (Get-ContainerLog removed-detached) -contains 'ready' } -Because 'the trap is set'
        (Stop-Container removed-detached -PassThru).ExitCode | Should -Be 0
        Wait-TestCondition { -not (Test-Path $c.Directory) } -Because 'its monitor removes it'
        Wait-TestCondition { -not (Test-Path "/proc/$($c.MonitorPid)") } -Because 'and then exits'
        Get-Container -All removed-detached -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'starts an existing container by name (detached) or from the pipeline (-Attach), as often as asked' {
        $c = New-Container $busybox -Name existing sh -c 'echo run; exit 6'
        Start-Container -Name existing -PassThru | Should -BeOfType 'PSContainer.Runtime.Containers.Container'
        Wait-Container existing | Should -Be 6
        $c | Start-Container -Attach | Should -Be 'run'
        $LASTEXITCODE | Should -Be 6
        Get-ContainerLog existing | Should -Be @('run', 'run')
    }

    It 'refuses a container object given as the image, rather than pulling an image named after it' {
        $c = Get-Container -All existing
        $pulls = @(Get-ContainerImage).Count
        { Start-Container $c -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,PSContainer.Commands.Cmdlets.StartContainerCommand' -ExpectedMessage "*'existing' is a container, not an image*"
        { New-Container $c -ErrorAction Stop } | Should -Throw -ExpectedMessage "*is a container, not an image*"
        @(Get-ContainerImage).Count | Should -Be $pulls
        (Get-Container -All existing).Status | Should -Be 'Exited'
    }

    It 'refuses the parameters of a new container for an existing one' {
        { Start-Container -Name existing -Entrypoint echo -ErrorAction Stop } | Should -Throw
        (Get-Container existing).Status | Should -Be 'Exited'
    }

    It 'a detached container outlives the pwsh that started it, and another pwsh sees and stops it' {
        $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        $null = Invoke-TestPwsh "Import-Module '$module'; `$null = Start-Container '$busybox' -Detach -Name outlives sleep 600"
        $c = Get-Container outlives
        $c.Status | Should -Be 'Running'
        $lines = Invoke-TestPwsh "Import-Module '$module'; (Get-Container outlives).Status; (Stop-Container outlives -Timeout 0 -PassThru).ExitCode"
        $lines | Should -Be @('Running', '137')
        (Get-Container outlives).Status | Should -Be 'Exited'
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
    }

    It 'keeps running when the pwsh that started it is killed, and a new pwsh sees it' {
        $module = Join-Path $PSScriptRoot '../../PSContainer.psd1'
        $started = Start-TestPwsh "Import-Module '$module'; `$null = Start-Container '$busybox' -Detach -Name orphan sh -c 'while :; do echo tick; sleep 0.2; done'; 'ready'; Start-Sleep 600"
        try {
            Wait-TestCondition { (Test-Path $started.OutputFile) -and (Get-Content $started.OutputFile) -contains 'ready' } -TimeoutSeconds 120
            $started.Process.Kill()
            $started.Process.WaitForExit()
            $before = @(Get-ContainerLog orphan).Count
            Wait-TestCondition { @(Get-ContainerLog orphan).Count -gt $before } -Because 'it goes on writing after its pwsh died'
            $c = Get-Container orphan
            $c.Status | Should -Be 'Running'
            Test-Path "/proc/$($c.MonitorPid)" | Should -BeTrue
        }
        finally {
            if (-not $started.Process.HasExited) { $started.Process.Kill() }
        }
        Remove-Container orphan -Force
    }

    It '-Pull Never runs only what the store has; -Pull Always asks the registry again' {
        $before = @(Get-TestRegistryRequests $registry | Where-Object Path -like '*/manifests/*').Count
        Start-Container $busybox -Pull Never echo stored | Should -Be 'stored'
        @(Get-TestRegistryRequests $registry | Where-Object Path -like '*/manifests/*').Count | Should -Be $before
        Start-Container $busybox -Pull Always echo pulled 6>$null | Should -Be 'pulled'
        @(Get-TestRegistryRequests $registry | Where-Object Path -like '*/manifests/*').Count | Should -BeGreaterThan $before
        { Start-Container "$($registry.HostPort)/test/not-stored:1" -Pull Never -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFoundLocally,*'
    }
}
