<#
.SYNOPSIS
Replica side of enable after an export: imports the initial copy of each VM from the media folder.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER MediaPath
The folder the initial copies were exported to: each VM's copy is in its subfolder <VM name>_<VM Id>, where
Start-VMInitialReplication -DestinationPath puts it (the reference's Import-VMInitialReplication example reads it
from there).

.NOTES
Constant: IMPORT_REPLICA
ReadOnly: false
#>
function Import-InitialCopy {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$MediaPath
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $state = "$($repl.ReplicationState)"
        $changed = $false
        if ("$($repl.ReplicationMode)" -eq 'Replica' -and $state -eq 'WaitingForInitialReplication') {
            $script:VmdrStep = 'import initial copy'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                Import-VMInitialReplication -VM $vm -Path ($MediaPath.TrimEnd('\') + '\' + $vm.Name + '_' + "$($vm.Id)")
            }
        }
        elseif ("$($repl.ReplicationMode)" -ne 'Replica') {
            $script:VmdrStep = 'import initial copy'
            $text = "the VM here is not a replica (mode {0})" -f $repl.ReplicationMode
            Stop-VmdrStep -ErrorId 'VmdrNotReplica' -Message $text -Category 'InvalidOperation'
        }
        [ordered]@{ changed = $changed; replication = (ConvertTo-VmdrReplication -Replication (Get-VmdrReplication -VM $vm)) }
    }
}
