<#
.SYNOPSIS
Failover on the replica host, planned or unplanned (from a recovery point), with networks, re-IP and start.

.PARAMETER Vms
VM references {i, name, id, label, point, live, reip}: point is {kind: latest, id or time; value}.

.PARAMETER Mode
planned (reverses replication after the failover) or unplanned.

.PARAMETER PowerOn
Start the recovered VM.

.PARAMETER Commit
With Mode unplanned: complete the failover (Complete-VMFailover; the other recovery points are deleted).

.NOTES
Constant: FAILOVER_REPLICA
ReadOnly: false
#>
function Start-ReplicaFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$Mode,
        [switch]$PowerOn,
        [switch]$Commit
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $s = Get-VmdrReplicaState -Ref $ref
        $vm, $repl, $replMode, $replState, $before = $s.vm, $s.repl, $s.mode, $s.state, $s.before
        $changed = $false
        $point = $null
        if ($replMode -eq 'Replica' -and $replState -notin @('FailedOverWaitingCompletion', 'FailedOver')) {
            $snap = $null
            if ($ref.point.kind -ne 'latest') { $snap = Find-VmdrRecoverySnapshot -VM $vm -Point $ref.point }
            $point = ConvertTo-VmdrPoint -Snapshot $snap -Replication $repl
            if ($ref.live) { if (Set-VmdrSwitch -VM $vm -Map $ref.live) { $changed = $true } }
            if ($ref.reip) { if (Set-VmdrFailoverIp -VM $vm -Plan $ref.reip) { $changed = $true } }
            $script:VmdrStep = 'fail over replica'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                if ($snap) { Start-VMFailover -VMRecoverySnapshot $snap -Confirm:$false } else { Start-VMFailover -VM $vm -Confirm:$false }
            }
            $replState = 'FailedOverWaitingCompletion'
        }
        elseif ($replMode -eq 'Replica') {
            if ($ref.live) { if (Set-VmdrSwitch -VM $vm -Map $ref.live) { $changed = $true } }
            if ($ref.reip) { if (Set-VmdrFailoverIp -VM $vm -Plan $ref.reip) { $changed = $true } }
        }
        elseif ($replMode -ne 'Primary') {
            Stop-VmdrStep -ErrorId 'VmdrNotReplica' -Message ("the VM is not a replica here (mode {0})" -f $replMode) -Category 'InvalidOperation'
        }
        if ($Mode -eq 'planned' -and $replMode -eq 'Replica') {
            $script:VmdrStep = 'reverse replication'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Set-VMReplication -VM $vm -Reverse -Confirm:$false }
        }
        if ($Mode -eq 'unplanned' -and $Commit -and $replMode -eq 'Replica' -and $replState -eq 'FailedOverWaitingCompletion') {
            $script:VmdrStep = 'complete failover'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Complete-VMFailover -VM $vm -Confirm:$false }
        }
        if ($PowerOn -and $vm.State.ToString() -ne 'Running') {
            $script:VmdrStep = 'start recovered VM'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VM -VM $vm }
        }
        $r = Get-VmdrOwnReplication -VM $vm
        $power = (Get-VM -Id $vm.Id).State.ToString()
        $after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)"; power_state = $power }
        [ordered]@{ changed = $changed; before = $before; after = $after; point = $point; vm = (ConvertTo-VmdrVM -VM (Get-VM -Id $vm.Id))
            nics = (Get-VmdrNic -VM $vm)
        }
    }
}
