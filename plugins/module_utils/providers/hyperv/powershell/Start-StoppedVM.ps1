<#
.SYNOPSIS
Starts the VMs that do not run (Start-VM): the sources of a planned failover that cannot go on, started again.

.DESCRIPTION
Hyper-V refuses to start a replica that is not failed over and a primary prepared for failover (cancel it first),
so a VM that became a replica, or is still prepared, fails instead of running twice.

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: START_VMS
ReadOnly: false
#>
function Start-StoppedVM {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $changed = $false
        if ($vm.State.ToString() -ne 'Running') {
            $script:VmdrStep = 'start VM'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VM -VM $vm }
        }
        [ordered]@{ changed = $changed; vm = (ConvertTo-VmdrVM -VM (Get-VM -Id $vm.Id)) }
    }
}
