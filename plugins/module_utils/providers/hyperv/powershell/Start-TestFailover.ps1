<#
.SYNOPSIS
Test failover on the replica host: a test VM ("<name> - Test") from a recovery point, on the test networks.

.PARAMETER Vms
VM references {i, name, id, label, point, test, reip}.

.PARAMETER PowerOn
Start the test VM.

.NOTES
Constant: TEST_FAILOVER
ReadOnly: false
#>
function Start-TestFailover {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [switch]$PowerOn
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $test = Get-VmdrVM -Ref $ref -Suffix ' - Test'
        $changed = $false
        $point = $null
        $before = ConvertTo-VmdrVM -VM $test
        if (-not $test) {
            $repl = Get-VmdrOwnReplication -VM $vm
            if ("$($repl.ReplicationMode)" -ne 'Replica') {
                $text = "the VM is not a replica here (mode {0})" -f $repl.ReplicationMode
                Stop-VmdrStep -ErrorId 'VmdrNotReplica' -Message $text -Category 'InvalidOperation'
            }
            $snap = $null
            if ($ref.point.kind -ne 'latest') { $snap = Find-VmdrRecoverySnapshot -VM $vm -Point $ref.point }
            $point = ConvertTo-VmdrPoint -Snapshot $snap -Replication $repl
            if ($ref.test) { if (Set-VmdrSwitch -VM $vm -Map $ref.test -Test) { $changed = $true } }
            if ($ref.reip) { if (Set-VmdrFailoverIp -VM $vm -Plan $ref.reip) { $changed = $true } }
            $script:VmdrStep = 'start test failover'
            $changed = $true
            if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                # the test VM is written only with -Passthru (documented output without it: None)
                if ($snap) { $created = @(Start-VMFailover -VMRecoverySnapshot $snap -AsTest -Passthru -Confirm:$false) }
                else { $created = @(Start-VMFailover -VM $vm -AsTest -Passthru -Confirm:$false) }
                $test = Get-VM -Id $created[0].Id
            }
        }
        if ($PowerOn -and ((-not $test) -or $test.State.ToString() -ne 'Running')) {
            $script:VmdrStep = 'start test VM'
            $changed = $true
            if ($PSCmdlet.ShouldProcess("$($vm.Name) - Test", $script:VmdrStep)) { Start-VM -VM $test }
        }
        $nics = @()
        if ($test) {
            $nics = (Get-VmdrNic -VM (Get-VM -Id $test.Id))
            $test = Get-VM -Id $test.Id
        }
        [ordered]@{ changed = $changed; before = $before; after = (ConvertTo-VmdrVM -VM $test); point = $point; nics = $nics }
    }
}
