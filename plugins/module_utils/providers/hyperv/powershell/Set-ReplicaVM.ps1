<#
.SYNOPSIS
Replica side of enable: the switches of the live and test networks; or, with State absent, removal.

.PARAMETER Vms
VM references {i, name, id, label, live, test}: live and test are [{index, switch}].

.PARAMETER State
present or paused (map the networks), or absent (remove replication on the replica).

.PARAMETER DeleteReplica
With State absent: also delete the replica VM.

.NOTES
Constant: REPLICA_SETUP
ReadOnly: false
#>
function Set-ReplicaVM {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$State,
        [switch]$DeleteReplica
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref -Optional:($State -eq 'absent')
        if (-not $vm) { return [ordered]@{ changed = $false; replication = $null; missing = $true } }
        $repl = Get-VmdrReplication -VM $vm
        $changed = $false
        $deleted = $null
        if ($State -eq 'absent') {
            if ($repl) {
                $script:VmdrStep = 'remove replication on the replica'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Remove-VMReplication -VM $vm -Confirm:$false }
            }
            if ($DeleteReplica) {
                $script:VmdrStep = 'delete replica VM'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                    # Remove-VM deletes no virtual hard disk: the replica's own disk files (with the parents of
                    # differencing disks) are read first and deleted after it, and nothing else
                    $files = @()
                    foreach ($disk in @(Get-VHD -VMId $vm.Id)) {
                        $vhd = $disk
                        while ($vhd) {
                            $files += , $vhd.Path
                            if ($vhd.ParentPath) { $vhd = Get-VHD -Path $vhd.ParentPath } else { $vhd = $null }
                        }
                    }
                    Remove-VM -VM $vm -Force
                    $script:VmdrStep = 'delete replica disks'
                    foreach ($file in $files) { Remove-Item -LiteralPath $file -Force }
                    $deleted = @($files)
                }
            }
        }
        else {
            if ($ref.live) { if (Set-VmdrSwitch -VM $vm -Map $ref.live) { $changed = $true } }
            if ($ref.test) { if (Set-VmdrSwitch -VM $vm -Map $ref.test -Test) { $changed = $true } }
        }
        if ($deleted) { return [ordered]@{ changed = $changed; replication = $null; deleted_files = $deleted } }
        [ordered]@{ changed = $changed; replication = (ConvertTo-VmdrReplication -Replication (Get-VmdrReplication -VM $vm)) }
    }
}
