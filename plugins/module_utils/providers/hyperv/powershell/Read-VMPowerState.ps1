<#
.SYNOPSIS
Readiness of VMs named literally (recovered or test VMs): power state and heartbeat.

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: POWER
ReadOnly: true
#>
function Read-VMPowerState {
    [CmdletBinding()]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        ConvertTo-VmdrVM -VM (Get-VmdrVM -Ref $ref)
    }
}
