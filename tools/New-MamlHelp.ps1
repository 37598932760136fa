#Requires -Version 7.4
<#
.SYNOPSIS
Generates the MAML help file of a binary module from its cmdlets' XML documentation comments.
.DESCRIPTION
build.ps1 Build runs this in a child pwsh after publishing. It imports the module, and for every cmdlet
it exports reads:
  - the cmdlet class's <summary>: <para type="synopsis"> and <para type="description"> (any other text of the
    summary is description too), and its <example> elements (<code> is the example, the rest its remarks);
  - each parameter's <summary>, found on the class that declares the property (a base class for shared
    parameters), with its type, position, pipeline input, aliases, wildcard support and parameter sets from
    the cmdlet's own metadata;
  - [OutputType] for the return values, and the types parameters accept from the pipeline for the inputs.
It writes <module>/<Assembly>.dll-Help.xml, which is where PowerShell looks for a binary cmdlet's help.
A cmdlet without a synopsis or without an example is an error: every cmdlet documents itself.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ManifestPath,
    [Parameter(Mandatory)][string]$DocumentationPath,
    [Parameter(Mandatory)][string]$OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module -Name $ManifestPath -PassThru -Force
[xml]$docs = Get-Content -LiteralPath $DocumentationPath -Raw
$members = @{}
foreach ($member in $docs.doc.members.member) { $members[$member.name] = $member }

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
    [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
$shouldProcessText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

# The text of a doc-comment node: <c>, <see cref>, <paramref> and <typeparamref> become plain words, and
# whitespace collapses (the comment's line breaks are layout, not content).
function Get-DocText([System.Xml.XmlNode]$Node) {
    if ($null -eq $Node) { return '' }
    $builder = [System.Text.StringBuilder]::new()
    foreach ($child in $Node.ChildNodes) {
        switch ($child.NodeType) {
            'Text' { $null = $builder.Append($child.Value) }
            'Element' {
                switch ($child.LocalName) {
                    { $_ -in 'see', 'seealso' } {
                        $ref = $child.GetAttribute('cref')
                        $null = $builder.Append($(if ($child.InnerText) { $child.InnerText } elseif ($ref) { ($ref -split '[.:]')[-1] } else { $child.GetAttribute('langword') }))
                    }
                    { $_ -in 'paramref', 'typeparamref' } { $null = $builder.Append($child.GetAttribute('name')) }
                    default { $null = $builder.Append((Get-DocText $child)) }
                }
            }
        }
    }
    ($builder.ToString() -replace '\s+', ' ').Trim()
}

# A code block keeps its lines, without the indentation the comment gave all of them.
function Get-CodeText([System.Xml.XmlNode]$Node) {
    $all = $Node.InnerText -split "`r?`n"
    $first = 0
    while ($first -lt $all.Count -and -not $all[$first].Trim()) { $first++ }
    $last = $all.Count - 1
    while ($last -ge $first -and -not $all[$last].Trim()) { $last-- }
    if ($last -lt $first) { return '' }
    $lines = $all[$first..$last]
    $indent = ($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
    ($lines | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent) } else { $_.TrimStart() } }) -join "`n"
}

function Get-TypeName([type]$Type) {
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return Get-TypeName $Type.GetGenericArguments()[0] }
    $Type.Name
}

function Add-Element([System.Xml.XmlNode]$Parent, [string]$Namespace, [string]$Name, [string]$Text) {
    $prefix = switch ($Namespace) { $maml { 'maml' } $command { 'command' } $dev { 'dev' } }
    $element = $Parent.OwnerDocument.CreateElement($prefix, $Name, $Namespace)
    if ($PSBoundParameters.ContainsKey('Text')) { $element.InnerText = $Text }
    $Parent.AppendChild($element)
}

function Add-Paragraphs([System.Xml.XmlNode]$Parent, [string[]]$Text) {
    $description = Add-Element $Parent $maml 'description'
    foreach ($t in @($Text | Where-Object { $_ })) { $null = Add-Element $description $maml 'para' $t }
    if (-not $description.HasChildNodes) { $null = Add-Element $description $maml 'para' '' }
}

function Get-PipelineText($Parameter) {
    $kinds = @()
    foreach ($set in $Parameter.ParameterSets.Values) {
        if ($set.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
        if ($set.ValueFromPipeline) { $kinds += 'ByValue' }
    }
    $kinds = @($kinds | Sort-Object -Unique)
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Add-Parameter([System.Xml.XmlNode]$Parent, $Parameter, $SetInfo, [string]$Description, [bool]$InSyntax) {
    $element = Add-Element $Parent $command 'parameter'
    $required = if ($SetInfo) { $SetInfo.IsMandatory } else { @($Parameter.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0 }
    $position = if ($SetInfo) { $SetInfo.Position } else { ($Parameter.ParameterSets.Values | Select-Object -First 1).Position }
    $element.SetAttribute('required', "$required".ToLowerInvariant())
    $element.SetAttribute('variableLength', "$($Parameter.ParameterType.IsArray)".ToLowerInvariant())
    $element.SetAttribute('globbing', "$(@($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)".ToLowerInvariant())
    $element.SetAttribute('pipelineInput', (Get-PipelineText $Parameter))
    $element.SetAttribute('position', $(if ($position -ge 0) { "$position" } else { 'named' }))
    $element.SetAttribute('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $null = Add-Element $element $maml 'name' $Parameter.Name
    Add-Paragraphs $element @($Description)
    $typeName = Get-TypeName $Parameter.ParameterType
    if (-not ($InSyntax -and $Parameter.SwitchParameter)) {
        $value = Add-Element $element $command 'parameterValue' $typeName
        $value.SetAttribute('required', "$(-not $Parameter.SwitchParameter)".ToLowerInvariant())
        $value.SetAttribute('variableLength', "$($Parameter.ParameterType.IsArray)".ToLowerInvariant())
    }
    $type = Add-Element $element $dev 'type'
    $null = Add-Element $type $maml 'name' $typeName
    $null = Add-Element $type $maml 'uri' ''
    $null = Add-Element $element $dev 'defaultValue' $(if ($Parameter.SwitchParameter) { 'False' } else { 'None' })
}

$document = [xml]::new()
$null = $document.AppendChild($document.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $document.CreateElement('helpItems', 'http://msh')
$root.SetAttribute('schema', 'maml')
$null = $document.AppendChild($root)
$problems = [System.Collections.Generic.List[string]]::new()

foreach ($cmdlet in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $type = $cmdlet.ImplementingType
    $doc = $members["T:$($type.FullName)"]
    $summary = if ($doc) { $doc.SelectSingleNode('summary') } else { $null }
    $synopsis = if ($summary) { Get-DocText $summary.SelectSingleNode('para[@type="synopsis"]') } else { '' }
    $description = @()
    if ($summary) {
        foreach ($child in $summary.ChildNodes) {
            if ($child.NodeType -eq 'Element' -and $child.LocalName -eq 'para' -and $child.GetAttribute('type') -eq 'synopsis') { continue }
            $text = if ($child.NodeType -eq 'Element') { Get-DocText $child } else { ($child.Value -replace '\s+', ' ').Trim() }
            if ($text) { $description += $text }
        }
    }
    $examples = @(if ($doc) { $doc.SelectNodes('example') })
    if (-not $synopsis) { $problems.Add("$($cmdlet.Name): no <para type=""synopsis""> in the class's <summary>") }
    if ($examples.Count -eq 0) { $problems.Add("$($cmdlet.Name): no <example>") }

    $node = $document.CreateElement('command', 'command', $command)
    $node.SetAttribute('xmlns:maml', $maml)
    $node.SetAttribute('xmlns:dev', $dev)
    $null = $root.AppendChild($node)
    $details = Add-Element $node $command 'details'
    $null = Add-Element $details $command 'name' $cmdlet.Name
    $null = Add-Element $details $command 'verb' $cmdlet.Verb
    $null = Add-Element $details $command 'noun' $cmdlet.Noun
    Add-Paragraphs $details @($synopsis)
    Add-Paragraphs $node $description

    $parameterDocs = @{}
    foreach ($parameter in $cmdlet.Parameters.Values) {
        if ($parameter.Name -in $common) { continue }
        $property = $type.GetProperty($parameter.Name)
        $memberDoc = if ($property) { $members["P:$($property.DeclaringType.FullName).$($property.Name)"] } else { $null }
        $parameterDocs[$parameter.Name] = if ($memberDoc) { Get-DocText $memberDoc.SelectSingleNode('summary') } else { '' }
        if (-not $parameterDocs[$parameter.Name]) { $problems.Add("$($cmdlet.Name): parameter -$($parameter.Name) has no <summary>") }
    }
    foreach ($name in $shouldProcessText.Keys) {
        if ($cmdlet.Parameters.ContainsKey($name)) { $parameterDocs[$name] = $shouldProcessText[$name] }
    }

    $syntax = Add-Element $node $command 'syntax'
    foreach ($set in $cmdlet.ParameterSets) {
        $item = Add-Element $syntax $command 'syntaxItem'
        $null = Add-Element $item $maml 'name' $cmdlet.Name
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $common -or $shouldProcessText.ContainsKey($_.Name) } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } }
        foreach ($setParameter in $ordered) {
            Add-Parameter $item $cmdlet.Parameters[$setParameter.Name] $setParameter $parameterDocs[$setParameter.Name] $true
        }
    }
    $parametersNode = Add-Element $node $command 'parameters'
    foreach ($name in $parameterDocs.Keys | Sort-Object) {
        Add-Parameter $parametersNode $cmdlet.Parameters[$name] $null $parameterDocs[$name] $false
    }

    $inputs = Add-Element $node $command 'inputTypes'
    $inputTypes = $cmdlet.Parameters.Values | Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } } |
        ForEach-Object { $_.ParameterType.FullName } | Sort-Object -Unique
    foreach ($inputType in @($inputTypes)) {
        $entry = Add-Element $inputs $command 'inputType'
        $t = Add-Element $entry $dev 'type'
        $null = Add-Element $t $maml 'name' $inputType
        Add-Paragraphs $entry @()
    }
    $outputs = Add-Element $node $command 'returnValues'
    foreach ($outputType in @($cmdlet.OutputType | ForEach-Object Name | Where-Object { $_ -ne 'System.Void' } | Sort-Object -Unique)) {
        $entry = Add-Element $outputs $command 'returnValue'
        $t = Add-Element $entry $dev 'type'
        $null = Add-Element $t $maml 'name' $outputType
        Add-Paragraphs $entry @()
    }

    $examplesNode = Add-Element $node $command 'examples'
    $n = 0
    foreach ($example in $examples) {
        $n++
        $entry = Add-Element $examplesNode $command 'example'
        $null = Add-Element $entry $maml 'title' "-------------------------- Example $n --------------------------"
        $code = $example.SelectSingleNode('code')
        $null = Add-Element $entry $dev 'code' $(if ($code) { Get-CodeText $code } else { '' })
        $remarks = @($example.ChildNodes | Where-Object { -not ($_.NodeType -eq 'Element' -and $_.LocalName -eq 'code') } |
            ForEach-Object { if ($_.NodeType -eq 'Element') { Get-DocText $_ } else { ($_.Value -replace '\s+', ' ').Trim() } } | Where-Object { $_ })
        $remarksNode = Add-Element $entry $dev 'remarks'
        foreach ($r in $remarks) { $null = Add-Element $remarksNode $maml 'para' $r }
        if (-not $remarksNode.HasChildNodes) { $null = Add-Element $remarksNode $maml 'para' '' }
    }
    $null = Add-Element $node $command 'relatedLinks'
}

if ($problems.Count -gt 0) {
    throw "Help is incomplete:`n  $($problems -join "`n  ")"
}
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
try { $document.Save($writer) } finally { $writer.Dispose() }
Write-Host "==> Help: $(@($root.ChildNodes).Count) cmdlets -> $OutputPath"
