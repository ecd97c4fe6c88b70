<#
.SYNOPSIS
Reverse after an unplanned failover, step 1 on the old primary: turns it off and makes it a replica.

.PARAMETER Vms
VM references {i, name, id, label, peer}: peer is the host it will receive replication from.

.NOTES
Constant: REVERSE_OLD_PRIMARY
ReadOnly: false
#>
function Set-OldPrimaryAsReplica {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $mode = "$($repl.ReplicationMode)"
        $changed = $false
        if ($mode -eq 'Primary') {
            if ($vm.State.ToString() -ne 'Off') {
                $script:VmdrStep = 'turn off old primary'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Stop-VM -VM $vm -TurnOff -Force }
            }
            $script:VmdrStep = 'make old primary a replica'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Set-VMReplication -VM $vm -AsReplica -AllowedPrimaryServer $ref.peer }
        }
        [ordered]@{ changed = $changed; before = $mode; after = "$((Get-VmdrReplication -VM $vm).ReplicationMode)" }
    }
}
