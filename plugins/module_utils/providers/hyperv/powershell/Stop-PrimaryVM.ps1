<#
.SYNOPSIS
Planned failover, primary side: shuts down the primary VMs that run (Stop-VM -Force, a guest shutdown).

.DESCRIPTION
A VM whose guest does not shut down fails, unless ForcePowerOff: then it is turned off (Stop-VM -TurnOff).
A VM that is off, or is not the primary of a replication here, is left as it is.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER ForcePowerOff
Turn the VM off when its guest does not shut down.

.NOTES
Constant: STOP_PRIMARY
ReadOnly: false
#>
function Stop-PrimaryVM {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [switch]$ForcePowerOff
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $changed = $false
        if ("$($repl.ReplicationMode)" -eq 'Primary' -and $vm.State.ToString() -ne 'Off') {
            $script:VmdrStep = 'shut down primary'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                try { Stop-VM -VM $vm -Force } catch {
                    if (-not $ForcePowerOff) { throw }
                    $script:VmdrStep = 'turn off primary'
                    Stop-VM -VM $vm -TurnOff -Force
                }
            }
        }
        [ordered]@{ changed = $changed; vm = (ConvertTo-VmdrVM -VM (Get-VM -Id $vm.Id)) }
    }
}
