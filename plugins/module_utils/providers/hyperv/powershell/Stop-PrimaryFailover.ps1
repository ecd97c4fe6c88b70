<#
.SYNOPSIS
Cancels on the primary: a VM prepared for a planned failover replicates again and, with PowerOn, runs again.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER PowerOn
Start the primary again.

.NOTES
Constant: CANCEL_PRIMARY
ReadOnly: false
#>
function Stop-PrimaryFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [switch]$PowerOn
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $changed = $false
        if ("$($repl.ReplicationMode)" -eq 'Primary' -and "$($repl.ReplicationState)" -eq 'PreparedForFailover') {
            $script:VmdrStep = 'cancel prepared failover'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Stop-VMFailover -VM $vm -Confirm:$false }
            if ($PowerOn -and $vm.State.ToString() -ne 'Running') {
                $script:VmdrStep = 'start primary'
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VM -VM $vm }
            }
        }
        [ordered]@{ changed = $changed; state = "$((Get-VmdrReplication -VM $vm).ReplicationState)" }
    }
}
