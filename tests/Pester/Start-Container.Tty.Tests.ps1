# -Tty on Start-Container and Invoke-ContainerCommand (docker run/exec -t, and -it with -Interactive): a pseudo-terminal
# made in the container's own devpts, seen from inside the container, and real terminal sessions driven through a
# pseudo-terminal on this side too.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busybox = (New-BusyboxImage | Publish-TestImage -Registry $registry -Repository test/busybox-tty).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $busybox -Quiet
    $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
    $session = Join-Path $PSScriptRoot 'Fixtures/pty_session.py'
}

AfterAll {
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Start-Container -Tty' {
    It 'gives the command one terminal, from the container''s devpts, as stdin, stdout and stderr' {
        $out = Start-Container $busybox -Remove -Tty sh -c 'tty; for fd in 0 1 2; do test -t $fd && echo "tty $fd"; done; echo err >&2; ls -1 /dev/pts'
        $LASTEXITCODE | Should -Be 0
        # stderr is the terminal too, so "err" arrives on the one stream; lines come without the terminal's CR.
        $out | Should -Be @('/dev/pts/0', 'tty 0', 'tty 1', 'tty 2', 'err', '0', 'ptmx')
    }

    It 'is the controlling terminal, owned by the user the command runs as, and keeps the exit code' {
        $out = Start-Container $busybox -Remove -Tty -User 1000:1000 sh -c 'stat -c "%u:%g %a" $(tty); echo pid $$ > /dev/tty; exit 3'
        $LASTEXITCODE | Should -Be 3
        $out | Should -Be @('1000:5 620', 'pid 1')
    }

    It 'has no terminal without -Tty' {
        Start-Container $busybox -Remove sh -c 'tty; test -t 1 || echo "not a tty"' | Should -Be @('not a tty', 'not a tty')
    }

    It 'refuses pipeline input, as docker refuses a stdin that is not a terminal' {
        $before = @(Get-Container -All).Count
        { 'echo hi' | Start-Container $busybox -Remove -Tty sh -ErrorAction Stop } | Should -Throw -ErrorId 'TtyWithPipelineInput,*'
        @(Get-Container -All).Count | Should -Be $before
    }

    It 'logs what the terminal shows for a detached container' {
        $c = Start-Container $busybox -Detach -Tty sh -c 'tty; echo done'
        Wait-Container $c | Should -Be 0
        Get-ContainerLog $c | Should -Be @('/dev/pts/0', 'done')
        Remove-Container $c
    }

    It 'sizes the terminal like the caller''s, and runs a session at a terminal with -Interactive: keys as typed, Ctrl+C to the container' {
        $steps = @(
            'expect PS '
            "send Import-Module '$manifest'; Start-Container $busybox -Remove -Tty sh -c 'stty size'; Start-Container $busybox -Remove -Interactive -Tty sh; 'after: ' + `$LASTEXITCODE"
            'expect 50 200'
            'expect / # '
            'send echo in-$((6*7))'
            'expect in-42'
            # Ctrl+C once sleep runs: the shell's line editor reads keys itself (no signals) until it starts a command.
            'send echo zz-$((1+1)); sleep 60'
            'expect zz-2'
            'wait 1'
            'ctrl c'
            'expect / # '
            'send echo still-$((40+3))'
            'expect still-43'
            'send exit 5'
            'expect after: 5'
            "send 'prompt-' + (6*7)"
            'expect prompt-42'
            'send exit'
        )
        $transcript = $steps | & python3 $session 30 dotnet pwsh -NoProfile -NoLogo
        $LASTEXITCODE | Should -Be 0 -Because ($transcript -join "`n")
    }
}

Describe 'Invoke-ContainerCommand -Tty' {
    BeforeAll {
        $null = Start-Container $busybox -Detach -Name tty-exec sleep 600
    }
    AfterAll {
        Remove-Container tty-exec -Force -ErrorAction SilentlyContinue
    }

    It 'gives the command a terminal of its own from the container''s devpts, and keeps its exit code' {
        $out = Invoke-ContainerCommand tty-exec -Tty sh -c 'tty; for fd in 0 1 2; do test -t $fd && echo "tty $fd"; done; echo pid-$$; exit 4'
        $LASTEXITCODE | Should -Be 4
        $out[0..3] | Should -Be @('/dev/pts/0', 'tty 0', 'tty 1', 'tty 2')
        $out[4] | Should -Not -Be 'pid-1' -Because 'the command joins the container; its init stays PID 1'
        Invoke-ContainerCommand tty-exec sh -c 'tty; ls /dev/pts' | Should -Be @('not a tty', 'ptmx') -Because 'the terminal went with the command'
    }

    It 'refuses pipeline input' {
        { 'x' | Invoke-ContainerCommand tty-exec -Tty cat -ErrorAction Stop } | Should -Throw -ErrorId 'TtyWithPipelineInput,*'
    }

    It 'runs a session at a terminal with -Interactive (docker exec -it)' {
        $steps = @(
            'expect PS '
            "send Import-Module '$manifest'; Invoke-ContainerCommand tty-exec -Interactive -Tty sh; 'after: ' + `$LASTEXITCODE"
            'expect # '
            'send echo x-$((6*7))'
            'expect x-42'
            'send exit 6'
            'expect after: 6'
            'send exit'
        )
        $env:PSCONTAINER_ROOT, $env:PSCONTAINER_CONFIG | Should -Not -BeNullOrEmpty
        $transcript = $steps | & python3 $session 30 dotnet pwsh -NoProfile -NoLogo
        $LASTEXITCODE | Should -Be 0 -Because ($transcript -join "`n")
    }
}

