# The repository's own contracts: what README.md tells people to run is what CI runs, and the
# built module folder is a module PowerShell can load. Needs ./build.ps1 Build first (Test does it).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHarness.psm1') -Force
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $Manifest = Join-Path $RepoRoot 'PSContainer.psd1'
    $ModuleDir = Join-Path $RepoRoot 'out/module'
    $ContractCmdlets = 'Start-Container', 'Invoke-ContainerImagePull', 'Get-ContainerImage', 'Get-ContainerLayer'

    # The command lines of the fenced block(s) README.md opens with.
    function Get-ReadmeOpeningCommand {
        $lines = Get-Content -LiteralPath (Join-Path $RepoRoot 'README.md')
        $i = 0
        while ($i -lt $lines.Count) {
            while ($i -lt $lines.Count -and $lines[$i].Trim() -eq '') { $i++ }
            if ($i -ge $lines.Count -or $lines[$i] -notmatch '^```') { break }
            $i++
            while ($i -lt $lines.Count -and $lines[$i] -notmatch '^```') {
                if ($lines[$i].Trim()) { $lines[$i].Trim() }
                $i++
            }
            $i++
        }
    }

    # Names of the assemblies a dll references, read from its metadata without loading it.
    function Get-AssemblyReference([string]$Path) {
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($handle in $reader.AssemblyReferences) {
                $reader.GetString($reader.GetAssemblyReference($handle).Name)
            }
        }
        finally {
            $stream.Dispose()
        }
    }
}

Describe 'README.md and .ci/run' {
    It 'opens with exactly the two commands for a fresh machine: Demo, then Test' {
        Get-ReadmeOpeningCommand | Should -Be @(
            'dotnet tool restore && dotnet pwsh ./build.ps1 Demo'
            'dotnet tool restore && dotnet pwsh ./build.ps1 Test'
        )
    }

    It 'has .ci/run run the README test command verbatim' {
        # Everything in .ci/run except the shebang, comments, `set` and `cd` is the command.
        $commands = @(Get-Content -LiteralPath (Join-Path $RepoRoot '.ci/run') | Where-Object {
            $_.Trim() -and $_ -notmatch '^\s*#' -and $_ -notmatch '^\s*(set|cd)\s'
        })
        $commands.Count | Should -Be 1
        $commands[0].Trim() | Should -BeExactly (Get-ReadmeOpeningCommand)[1]
    }

    It 'has .ci/run executable, stopping at the first failure' {
        $ciRun = Get-Item -LiteralPath (Join-Path $RepoRoot '.ci/run')
        $ciRun.UnixMode | Should -Match '^-..x'
        Get-Content -LiteralPath $ciRun.FullName | Should -Contain 'set -euo pipefail'
    }
}

Describe 'PSContainer.psd1' {
    It 'is a valid manifest whose assembly and formats exist (after ./build.ps1 Build)' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.Name | Should -Be 'PSContainer'
        $info.NestedModules.Path | Should -Be (Join-Path $ModuleDir 'PSContainer.dll')
        $info.NestedModules.Path | Should -Exist
        foreach ($format in $info.ExportedFormatFiles) { $format | Should -Exist }
        $info.ExportedFormatFiles.Count | Should -BeGreaterThan 0
    }

    It 'targets PowerShell 7.4 Core and lists the contract cmdlets one by one' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        $data.PowerShellVersion | Should -Be '7.4'
        $data.CompatiblePSEditions | Should -Be @('Core')
        # Nested, not RootModule: PowerShell finds a nested module's help (PSContainer.dll-Help.xml) beside its assembly.
        $data.NestedModules | Should -Be @('out/module/PSContainer.dll')
        $data.FormatsToProcess | Should -Not -BeNullOrEmpty
        foreach ($format in $data.FormatsToProcess) { $format | Should -BeLike 'out/module/Formats/*.Format.ps1xml' }
        # Explicit names let PowerShell find the cmdlets without loading the module.
        $data.CmdletsToExport | Should -Not -Match '\*'
        foreach ($name in $ContractCmdlets) { $data.CmdletsToExport | Should -Contain $name }
    }
}

Describe 'The built module' {
    BeforeAll {
        $module = Import-Module -Name $Manifest -PassThru -Force -ErrorAction Stop
        $binary = $module.NestedModules | Where-Object ModuleType -EQ 'Binary'
        $listed = @((Import-PowerShellDataFile -LiteralPath $Manifest).CmdletsToExport)
        # Cmdlets the assembly really defines, from their [Cmdlet] attributes.
        $defined = @($binary.ImplementingAssembly.GetExportedTypes() | ForEach-Object {
            $attribute = [System.Reflection.CustomAttributeExtensions]::GetCustomAttribute($_, [System.Management.Automation.CmdletAttribute])
            if ($attribute -and -not $_.IsAbstract) { "$($attribute.VerbName)-$($attribute.NounName)" }
        })
    }
    AfterAll {
        Remove-Module -Name PSContainer -Force -ErrorAction SilentlyContinue
    }

    It 'imports the binary module from out/module' {
        @($binary).Count | Should -Be 1
        $binary.ImplementingAssembly.Location | Should -Be (Join-Path $ModuleDir 'PSContainer.dll')
        $defined.Count | Should -BeGreaterThan 0
    }

    It 'lists every cmdlet its assembly defines in CmdletsToExport' {
        # A cmdlet that is written but not listed would be silently invisible.
        $defined | Where-Object { $listed -notcontains $_ } | Should -BeNullOrEmpty
    }

    It 'exports the contract cmdlets, the ones the walking skeleton promised' {
        foreach ($name in $ContractCmdlets) {
            $module.ExportedCmdlets.Keys | Should -Contain $name
        }
    }

    It 'exports exactly the listed cmdlets that its assembly defines' {
        $expected = @($defined | Where-Object { $listed -contains $_ } | Sort-Object)
        $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
        $exported | Should -Be $expected
    }

    It 'uses the pwsh that loads it for System.Management.Automation (no copy in out/module)' {
        Join-Path $ModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'has every assembly its dlls reference in out/module, the .NET runtime or pwsh' {
        # pwsh loads a binary module's dependencies from the module folder only, never from
        # runtimes/<rid>/ subfolders, so a dependency left there fails at first use, not at import.
        $runtimeDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $missing = foreach ($dll in Get-ChildItem -LiteralPath $ModuleDir -Filter *.dll) {
            foreach ($name in Get-AssemblyReference $dll.FullName) {
                $found = (Join-Path $ModuleDir "$name.dll"), (Join-Path $runtimeDir "$name.dll"), (Join-Path $PSHOME "$name.dll") |
                    Where-Object { Test-Path -LiteralPath $_ }
                if (-not $found) { "$($dll.Name) -> $name" }
            }
        }
        $missing | Should -BeNullOrEmpty
    }
}
