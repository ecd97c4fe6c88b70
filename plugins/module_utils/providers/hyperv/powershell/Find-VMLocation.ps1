<#
.SYNOPSIS
Which of the VMs this host holds (by VM Id, else by name), with the host facts: for sites of several hosts.

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: LOCATE
ReadOnly: true
#>
function Find-VMLocation {
    [CmdletBinding()]
    param(
        [object[]]$Vms = @()
    )
    $facts = Get-VmdrHostConfiguration
    $ids = @{}
    $names = @{}
    foreach ($v in @(Get-VM)) {
        $ids["$($v.Id)"] = 1
        $n = [string]$v.Name
        if ($names.ContainsKey($n)) { $names[$n] = $names[$n] + 1 } else { $names[$n] = 1 }
    }
    $found = @()
    foreach ($ref in @($Vms)) {
        $count = 0
        if ($ref.id) { if ($ids.ContainsKey([string]$ref.id)) { $count = 1 } }
        elseif ($names.ContainsKey([string]$ref.name)) { $count = $names[[string]$ref.name] }
        $found += , ([ordered]@{ i = $ref.i; count = $count })
    }
    [ordered]@{ facts = $facts; found = @($found) }
}
