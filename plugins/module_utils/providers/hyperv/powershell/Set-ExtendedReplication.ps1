<#
.SYNOPSIS
Extended replication from the replica host to a third server, on Replica-mode VMs; or, with State absent, removal.

.PARAMETER Vms
VM references {i, name, id, label}.

.PARAMETER State
present (enable once the replica has its initial copy, then start the extended initial replication) or absent.

.PARAMETER Server
The host name of the extended replica server.

.PARAMETER Port
Its port.

.PARAMETER FrequencySec
The extended replication frequency: 300 or 900 seconds.

.NOTES
Constant: EXTEND
ReadOnly: false
#>
function Set-ExtendedReplication {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$State,
        [string]$Server,
        [int]$Port,
        [int]$FrequencySec
    )
    function Get-VmdrExtended {
        [CmdletBinding()]
        param(
            [object]$VM
        )
        try { return (Get-VMReplication -VM $VM -ReplicationRelationshipType Extended -ErrorAction Stop) } catch { return $null }
    }
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref -Optional:($State -eq 'absent')
        if (-not $vm) { return [ordered]@{ changed = $false; pending = $false; extended = $null } }
        $script:VmdrStep = 'read extended replication'
        $simple = Get-VmdrReplication -VM $vm
        $ext = Get-VmdrExtended -VM $vm
        $before = ConvertTo-VmdrReplication -Replication $ext
        $changed = $false
        $pending = $false
        if ($State -eq 'absent') {
            if ($ext) {
                $script:VmdrStep = 'remove extended replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                    # -ReplicationRelationshipType exists only with -VMName (a name, maybe a wildcard, maybe shared):
                    # the extended relationship's own object names it exactly
                    Remove-VMReplication -VMReplication $ext -Confirm:$false
                }
            }
        }
        elseif ("$($simple.ReplicationMode)" -ne 'Replica') {
            $text = "the VM here is not a replica (mode {0}); extended replication starts from the replica" -f $simple.ReplicationMode
            Stop-VmdrStep -ErrorId 'VmdrNotReplica' -Message $text -Category 'InvalidOperation'
        }
        else {
            $extState = "$($ext.ReplicationState)"
            if (-not $ext) {
                if ("$($simple.ReplicationState)" -ne 'Replicating') {
                    $pending = $true  # extended replication starts once the replica has its initial copy
                }
                else {
                    $script:VmdrStep = 'enable extended replication'
                    $changed = $true
                    $extState = 'ReadyForInitialReplication'
                    if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                        $splat = @{ VM = $vm; ReplicaServerName = $Server; ReplicaServerPort = $Port
                            AuthenticationType = "$($simple.AuthenticationType)"; ReplicationFrequencySec = $FrequencySec
                        }
                        Enable-VMReplication @splat
                    }
                }
            }
            elseif ("$($ext.ReplicaServerName)" -ne $Server) {
                $text = "extended replication already goes to '{0}'; remove it (state absent) to change the server" -f $ext.ReplicaServerName
                Stop-VmdrStep -ErrorId 'VmdrExtendedElsewhere' -Message $text -Category 'InvalidOperation'
            }
            if ($extState -eq 'ReadyForInitialReplication' -and ($null -eq $ext -or $null -eq $ext.InitialReplicationStartTime)) {
                $script:VmdrStep = 'start extended initial replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Start-VMInitialReplication -VM $vm }
            }
        }
        $extended = ConvertTo-VmdrReplication -Replication (Get-VmdrExtended -VM $vm)
        [ordered]@{ changed = $changed; pending = $pending; before = $before; extended = $extended }
    }
}
