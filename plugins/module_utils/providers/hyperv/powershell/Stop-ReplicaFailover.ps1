<#
.SYNOPSIS
Cancels a failover that is not committed, on the replica: Stop-VMFailover turns the replica off and reverts it.

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: CANCEL_REPLICA
ReadOnly: false
#>
function Stop-ReplicaFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $s = Get-VmdrReplicaState -Ref $ref
        $vm, $repl, $mode, $state, $before = $s.vm, $s.repl, $s.mode, $s.state, $s.before
        $changed = $false
        if ($mode -eq 'Replica' -and $state -in @('FailedOverWaitingCompletion', 'RecoveryInProgress')) {
            $test = Get-VmdrVM -Ref $ref -Suffix ' - Test'
            $script:VmdrStep = 'cancel failover'
            if ($test) {
                $text = 'a test failover of this VM exists; Stop-VMFailover would remove it instead of cancelling'
                Stop-VmdrStep -ErrorId 'VmdrTestVMExists' -Message $text -Category 'InvalidOperation'
            }
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Stop-VMFailover -VM $vm -Confirm:$false }
        }
        elseif ($mode -eq 'Replica' -and $state -eq 'FailedOver') {
            $script:VmdrStep = 'cancel failover'
            $text = 'the failover is committed (Complete-VMFailover) and cannot be cancelled; use mode=reverse to replicate back'
            Stop-VmdrStep -ErrorId 'VmdrCommitted' -Message $text -Category 'InvalidOperation'
        }
        $r = Get-VmdrOwnReplication -VM $vm
        $power = (Get-VM -Id $vm.Id).State.ToString()
        [ordered]@{ changed = $changed; before = $before
            after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)"; power_state = $power }
        }
    }
}
