<#
.SYNOPSIS
Source host: the vCPUs, startup memory and virtual disk bytes each VM needs (VMs not found fail alone).

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: NEEDS
ReadOnly: true
#>
function Measure-VMRequirement {
    [CmdletBinding()]
    param(
        [object[]]$Vms = @()
    )
    $results = Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $script:VmdrStep = 'read virtual disks'
        $bytes = 0
        foreach ($d in @($vm.HardDrives)) {
            # a pass-through disk (DiskNumber set) has no VHD to measure
            if ($null -eq $d.DiskNumber) { $bytes += (Get-VHD -Path $d.Path).Size }
        }
        [ordered]@{ name = [string]$vm.Name; vcpus = [int]$vm.ProcessorCount; memory_bytes = $vm.MemoryStartup
            disk_bytes = $bytes
        }
    }
    [ordered]@{ vms = $results }
}
