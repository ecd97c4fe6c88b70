<#
.SYNOPSIS
replica_sync: resumes replication that stopped on an error or waits for a resynchronization, starts a deferred
initial replication (with Resume); reports the replication before and after.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER Resume
Also start a deferred initial replication (replica_enable initial_replication=defer: ReadyForInitialReplication
with no start scheduled). The provider sets it for the sync, not for the reads of its wait within the RPO.

.NOTES
Constant: SYNC
ReadOnly: false
#>
function Sync-Replication {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [switch]$Resume
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $script:VmdrStep = 'read replication'
        $repl = Get-VmdrOwnReplication -VM $vm
        $state = "$($repl.ReplicationState)"
        $changed = $false
        if ("$($repl.ReplicationMode)" -eq 'Primary') {
            if ($state -in @('Suspended', 'ResynchronizeSuspended')) {
                $script:VmdrStep = 'check replication'
                Stop-VmdrStep -ErrorId 'VmdrPaused' -Message 'replication is paused' -Category 'InvalidOperation'
            }
            if ($state -in @('Error', 'UpdateError')) {
                $script:VmdrStep = 'resume replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Resume-VMReplication -VM $vm }
            }
            elseif ($state -eq 'WaitingForStartResynchronize') {
                $script:VmdrStep = 'resynchronize'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Resume-VMReplication -VM $vm -Resynchronize }
            }
            elseif ($state -eq 'ReadyForInitialReplication' -and $Resume -and $null -eq $repl.InitialReplicationStartTime) {
                # a scheduled initial copy (InitialReplicationStartTime) is left to its schedule
                $script:VmdrStep = 'start initial replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VMInitialReplication -VM $vm }
            }
        }
        [ordered]@{ changed = $changed; before = (ConvertTo-VmdrReplication -Replication $repl)
            after = (ConvertTo-VmdrReplication -Replication (Get-VmdrOwnReplication -VM $vm))
        }
    }
}
