<#
.SYNOPSIS
Reverse after an unplanned failover, step 2 on the recovered VM: completes the failover, reverses replication and
starts the initial replication back.

.PARAMETER Vms
VM references {i, name, id, label, replica_server, replica_port, auth}: the old primary to replicate to.

.NOTES
Constant: REVERSE_REPLICA
ReadOnly: false
#>
function Start-ReverseReplication {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrOwnReplication -VM $vm
        $mode = "$($repl.ReplicationMode)"
        $state = "$($repl.ReplicationState)"
        $before = [ordered]@{ mode = $mode; state = $state }
        $changed = $false
        if ($mode -eq 'Replica') {
            if ($state -eq 'FailedOverWaitingCompletion') {
                $script:VmdrStep = 'complete failover'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Complete-VMFailover -VM $vm -Confirm:$false }
            }
            elseif ($state -ne 'FailedOver') {
                $script:VmdrStep = 'check failover state'
                $text = "the replica is not failed over (state {0}); run an unplanned or planned failover first" -f $state
                Stop-VmdrStep -ErrorId 'VmdrNotFailedOver' -Message $text -Category 'InvalidOperation'
            }
            $script:VmdrStep = 'reverse replication'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                $splat = @{ VM = $vm; Reverse = $true; ReplicaServerName = $ref.replica_server; ReplicaServerPort = $ref.replica_port
                    AuthenticationType = $ref.auth
                }
                Set-VMReplication @splat
            }
            $state = 'ReadyForInitialReplication'
        }
        if ($mode -in @('Replica', 'Primary')) {
            # under -WhatIf the reverse did not run: go on from the state it leaves
            if ($WhatIfPreference) { $now = $state } else { $now = "$((Get-VmdrOwnReplication -VM $vm).ReplicationState)" }
            if ($now -eq 'ReadyForInitialReplication') {
                $script:VmdrStep = 'start initial replication'
                $changed = $true
                # the old primary keeps its disks (step 1 made it a replica with -AsReplica): -UseBackup starts from
                # them, so only the changes since the failover travel instead of a full copy
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VMInitialReplication -VM $vm -UseBackup }
            }
        }
        $r = Get-VmdrOwnReplication -VM $vm
        [ordered]@{ changed = $changed; before = $before; after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)" } }
    }
}
