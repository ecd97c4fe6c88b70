<#
.SYNOPSIS
Planned failover, primary side: the final recovery point. Start-VMFailover -Prepare sends the changes not
replicated yet and leaves the primary PreparedForFailover (reference section 5 row 9).

.DESCRIPTION
Only a primary that is off and Replicating is prepared; a primary prepared already is left as it is, and any other
primary fails (it is never started again here: undoing is the caller's compensation). A VM that is not the
primary of a replication here (reversed already) is left as it is.

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: PREPARE_PRIMARY
ReadOnly: false
#>
function Start-PrimaryFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $mode = "$($repl.ReplicationMode)"
        $state = "$($repl.ReplicationState)"
        $power = $vm.State.ToString()
        $changed = $false
        $script:VmdrStep = 'prepare failover'
        if ($mode -eq 'Primary' -and $state -eq 'Replicating' -and $power -eq 'Off') {
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VMFailover -VM $vm -Prepare -Confirm:$false }
        }
        elseif ($mode -eq 'Primary' -and $state -ne 'PreparedForFailover') {
            $text = "the primary is {0} in replication state {1}; only an Off, Replicating primary is prepared for failover" -f $power, $state
            Stop-VmdrStep -ErrorId 'VmdrCannotPrepare' -Message $text -Category 'InvalidOperation'
        }
        [ordered]@{ changed = $changed; state = "$((Get-VmdrReplication -VM $vm).ReplicationState)" }
    }
}
