<#
.SYNOPSIS
Removes the test VM of each VM (Stop-VMFailover on the replica).

.PARAMETER Vms
VM references {i, name, id, label}.

.NOTES
Constant: CLEANUP_TEST
ReadOnly: false
#>
function Stop-TestFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $test = Get-VmdrVM -Ref $ref -Suffix ' - Test'
        $removed = @()
        if ($test) {
            $script:VmdrStep = 'stop test failover'
            $removed += , $test.Name
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Stop-VMFailover -VM $vm -Confirm:$false }
        }
        [ordered]@{ changed = ($removed.Count -gt 0); removed = @($removed); before = (ConvertTo-VmdrVM -VM $test) }
    }
}
