<#
.SYNOPSIS
Replica side of enable: the switches of the live and test networks; or, with State absent, removal.

.PARAMETER Vms
VM references {i, name, id, label, live, test}: live and test are [{index, switch}].

.PARAMETER State
present or paused (map the networks), or absent (remove replication on the replica).

.PARAMETER DeleteReplica
With State absent: also delete the replica VM.

.NOTES
Constant: REPLICA_SETUP
ReadOnly: false
#>
function Set-ReplicaVM {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$State,
        [switch]$DeleteReplica
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref -Optional:($State -eq 'absent')
        if (-not $vm) { return [ordered]@{ changed = $false; replication = $null; missing = $true } }
        $repl = Get-VmdrReplication -VM $vm
        $changed = $false
        if ($State -eq 'absent') {
            if ($repl) {
                $script:VmdrStep = 'remove replication on the replica'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Remove-VMReplication -VM $vm -Confirm:$false }
            }
            if ($DeleteReplica) {
                $script:VmdrStep = 'delete replica VM'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Remove-VM -VM $vm -Force }
            }
        }
        else {
            if ($ref.live) { if (Set-VmdrSwitch -VM $vm -Map $ref.live) { $changed = $true } }
            if ($ref.test) { if (Set-VmdrSwitch -VM $vm -Map $ref.test -Test) { $changed = $true } }
        }
        [ordered]@{ changed = $changed; replication = (ConvertTo-VmdrReplication -Replication (Get-VmdrReplication -VM $vm)) }
    }
}
