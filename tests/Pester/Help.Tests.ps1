# Get-Help for every exported cmdlet comes from out/module/PSContainer.dll-Help.xml, which
# ./build.ps1 Build generates from the cmdlets' XML doc comments (tools/New-MamlHelp.ps1).

BeforeDiscovery {
    $manifest = Join-Path $PSScriptRoot '../../PSContainer.psd1'
    $cmdlets = @((Import-PowerShellDataFile -LiteralPath $manifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../PSContainer.psd1') -Force
    $helpFile = Join-Path $PSScriptRoot '../../out/module/PSContainer.dll-Help.xml' | Resolve-Path
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
    }

    It 'comes from the generated help file' {
        $ns = @{ command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; maml = 'http://schemas.microsoft.com/maml/2004/10' }
        $entry = Select-Xml -LiteralPath $helpFile.Path -Namespace $ns -XPath "//command:command[command:details/command:name='$Name']"
        $entry | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Be $entry.Node.details.description.para
    }

    It 'shows a written synopsis, not the generated syntax line' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\b"
        $help.Synopsis | Should -Match '\.$'
    }

    It 'shows a description and at least one example' {
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
        foreach ($example in $help.examples.example) {
            $example.code | Should -Match "\b$([regex]::Escape($Name))\b|\|"
        }
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }
        foreach ($parameter in $parameters) {
            $entry = $help.parameters.parameter | Where-Object name -EQ $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter is a parameter of $Name"
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }
}
