# Get-ContainerProcess (docker top): the processes in a container's cgroup, seen from the host and from inside.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ContainerJobs.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $registry = Start-TestRegistry
    $busyboxImage = New-BusyboxImage
    $users = (New-TestImage -Name busybox-top-users -Base $busyboxImage.Layout -Cmd sh -Layer {
            param($RootFs)
            $etc = New-Item -ItemType Directory -Force -Path (Join-Path $RootFs 'etc')
            Set-Content -LiteralPath (Join-Path $etc 'passwd') -Value "root:x:0:0:root:/root:/bin/sh`nworker:x:2000:2000::/:/bin/sh"
        } | Publish-TestImage -Registry $registry -Repository test/top).Reference
    $store = New-TestStore
    Set-TestRegistryConfig -Insecure $registry.HostPort
    $null = Invoke-ContainerImagePull $users
    $box = Start-TestContainerJob -Image $users -Name box -Command sh, -c, 'sleep 600 & exec sleep 601'
    $other = Start-TestContainerJob -Image $users -Name other -Command sleep, 602 -Parameters @{ User = 'worker' }
}

AfterAll {
    if ($box) { $box | Stop-TestContainerJob }
    if ($other) { $other | Stop-TestContainerJob }
    if ($store) { Remove-TestStore $store }
    if ($registry) { Stop-TestRegistry $registry }
}

Describe 'Get-ContainerProcess' {
    It 'lists every process of the container with its host and container pids, parent, user and command' {
        $processes = @(Get-ContainerProcess box)
        $processes.Command | Should -Be @('sleep 601', 'sleep 600')
        $processes[0].ContainerPid | Should -Be 1
        $processes[0].Pid | Should -Be ([PSContainer.Runtime.ContainerEngine]::ForRoot().Containers.Get('box').Pid)
        $processes[1].ParentPid | Should -Be $processes[0].Pid
        $processes.User | Sort-Object -Unique | Should -Be 'root'
        (Get-Process -Id $processes[1].Pid).ProcessName | Should -Be 'sleep'
    }

    It 'names users from the container''s own /etc/passwd' {
        $process = Get-ContainerProcess other
        ($process.Uid, $process.User) | Should -Be @(2000, 'worker')
    }

    It 'takes names with wildcards and containers from the pipeline' {
        (Get-ContainerProcess bo*, oth*).Command | Should -Be @('sleep 601', 'sleep 600', 'sleep 602')
        ([PSContainer.Runtime.ContainerEngine]::ForRoot().Containers.Get('other') | Get-ContainerProcess).Command | Should -Be 'sleep 602'
    }

    It 'reports a container that does not exist' {
        { Get-ContainerProcess no-such-container -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,*'
    }
}
