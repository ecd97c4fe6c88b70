<#
.SYNOPSIS
Reads VMs: power state, replication, NICs, measures, recovery points, the test VM.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER All
With no Vms: every VM of this host that has replication (test VMs left out).

.PARAMETER Nics
Also read the network adapters, each with the failover IP settings staged on it (failover_ip).

.PARAMETER Measure
Also read the replication statistics (Measure-VMReplication).

.NOTES
Constant: READ
ReadOnly: true
#>
function Read-ReplicaState {
    [CmdletBinding()]
    param(
        [object[]]$Vms = @(),
        [switch]$All,
        [switch]$Nics,
        [switch]$Measure
    )
    $refs = @($Vms)
    if ($refs.Count -eq 0 -and $All) {
        $refs = @()
        $seen = @{}
        foreach ($r in @(Get-VMReplication)) {
            # the middle host of an extended chain lists a VM twice: its simple and its extended relationship
            if ("$($r.ReplicationMode)" -eq 'TestReplica' -or $seen.ContainsKey("$($r.VMId)")) { continue }
            $seen["$($r.VMId)"] = $true
            $refs += , ([pscustomobject]@{ i = "$($r.VMId)"; name = $r.VMName; label = $r.VMName; id = "$($r.VMId)" })
        }
    }
    $results = Invoke-VmdrEach -InputObject $refs -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $script:VmdrStep = 'read replication'
        $repl = Get-VmdrReplication -VM $vm
        $out = [ordered]@{ vm = (ConvertTo-VmdrVM -VM $vm); replication = (ConvertTo-VmdrReplication -Replication $repl) }
        if ($Nics) { $out.nics = (Get-VmdrNic -VM $vm -FailoverIp) }
        if ($repl -and $Measure) {
            $script:VmdrStep = 'measure replication'
            $m = Measure-VMReplication -VM $vm -ReplicationRelationshipType "$($repl.ReplicationRelationshipType)"
            $out.measure = [ordered]@{ last_replication_type = "$($m.LastReplicationType)"
                pending_bytes = $m.PendingReplicationSize; errors = $m.ReplicationErrors
                successful = $m.SuccessfulReplicationCount; missed = $m.MissedReplicationCount
                health_details = @($m.ReplicationHealthDetails)
            }
        }
        if ($repl -and "$($repl.ReplicationMode)" -eq 'Replica') {
            $out.recovery_points = (Get-VmdrRecoveryPoint -VM $vm)
            $test = Get-VmdrVM -Ref $ref -Suffix ' - Test'
            $out.test_vm = (ConvertTo-VmdrVM -VM $test)
        }
        $out
    }
    [ordered]@{ vms = $results; computer = $env:COMPUTERNAME }
}
