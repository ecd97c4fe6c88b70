<#
.SYNOPSIS
Replica side of enable, before the primary is enabled: a copy restored from backup becomes the replica.

.PARAMETER Vms
VM references {i, name, id, label, peer}.

.NOTES
Constant: SEED_REPLICA
ReadOnly: false
#>
function Enable-RestoredReplica {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $script:VmdrStep = 'find restored copy'
        $vm = Get-VmdrVM -Ref $ref -Optional
        if (-not $vm) {
            $text = "no VM '{0}' on this host: restore it from backup here first" -f $ref.label
            Stop-VmdrStep -ErrorId 'VmdrNoRestoredCopy' -Message $text -Category 'ObjectNotFound'
        }
        $repl = Get-VmdrReplication -VM $vm
        $mode = "$($repl.ReplicationMode)"
        $changed = $false
        if (-not $repl) {
            $script:VmdrStep = 'make restored copy a replica'
            if ($vm.State.ToString() -ne 'Off') {
                $text = 'the restored copy is running; turn it off so it can become the replica'
                Stop-VmdrStep -ErrorId 'VmdrRestoredCopyRunning' -Message $text -Category 'InvalidOperation'
            }
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Enable-VMReplication -VM $vm -AsReplica -AllowedPrimaryServer $ref.peer }
        }
        elseif ($mode -ne 'Replica') {
            Stop-VmdrStep -ErrorId 'VmdrNotReplica' -Message ("the VM here is a {0}, not a restored copy" -f $mode) -Category 'InvalidOperation'
        }
        [ordered]@{ changed = $changed }
    }
}
