<#
.SYNOPSIS
Enables, updates, resumes, suspends or removes replication of source VMs, and starts their initial replication.

.PARAMETER Vms
VM references {i, name, id, label, replica_server, replica_port, auth}.

.PARAMETER State
present, paused or absent.

.PARAMETER Initial
How the initial copy is made: now, scheduled, export, import, seed or none.

.PARAMETER Start
With Initial scheduled: when (ISO 8601), between the host's time and 7 days later.

.PARAMETER MediaPath
With Initial export: the folder the initial copies are exported to; Hyper-V puts each VM's copy in a subfolder
<VM name>_<VM Id>.

.PARAMETER Policy
{frequency_sec, recovery_history, vss_hours}.

.PARAMETER Thumbprint
The certificate thumbprint for certificate authentication.

.NOTES
Constant: ENABLE
ReadOnly: false
#>
function Set-PrimaryReplication {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @(),
        [string]$State,
        [string]$Initial,
        [string]$Start,
        [string]$MediaPath,
        [psobject]$Policy,
        [string]$Thumbprint
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $repl = Get-VmdrReplication -VM $vm
        $before = ConvertTo-VmdrReplication -Replication $repl
        $changed = $false
        $replMode = "$($repl.ReplicationMode)"
        $replState = "$($repl.ReplicationState)"
        if ($Initial -eq 'scheduled' -and $State -ne 'absent') {
            # refused before anything changes: Start-VMInitialReplication accepts now to 7 days ahead
            $script:VmdrStep = 'validate initial replication start'
            $startUtc = ([datetime]$Start).ToUniversalTime()
            $hostNow = (Get-Date).ToUniversalTime()
            if ($startUtc -lt $hostNow -or $startUtc -gt $hostNow.AddDays(7)) {
                $text = "initial_replication_start {0} is not between the host's time {1} and 7 days later" -f `
                    $startUtc.ToString('o'), $hostNow.ToString('o')
                Stop-VmdrStep -ErrorId 'VmdrStartTimeOutOfRange' -Message $text -Category 'InvalidArgument'
            }
        }
        if ($Initial -eq 'import' -and $State -ne 'absent' -and -not $repl) {
            $script:VmdrStep = 'check exported initial copy'
            $text = 'replication is not enabled, so there is no exported initial copy to import; run with initial_replication=export first'
            Stop-VmdrStep -ErrorId 'VmdrNotExported' -Message $text -Category 'InvalidOperation'
        }
        if ($State -eq 'absent') {
            if ($repl) {
                $script:VmdrStep = 'remove replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Remove-VMReplication -VM $vm -Confirm:$false }
            }
        }
        else {
            $p = $Policy
            if (-not $repl) {
                $script:VmdrStep = 'enable replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                    $splat = @{ VM = $vm; ReplicaServerName = $ref.replica_server; ReplicaServerPort = $ref.replica_port
                        AuthenticationType = $ref.auth; ReplicationFrequencySec = $p.frequency_sec
                        RecoveryHistory = $p.recovery_history; CompressionEnabled = $true
                    }
                    if ($p.vss_hours) { $splat.VSSSnapshotFrequencyHour = $p.vss_hours }
                    if ($Thumbprint) { $splat.CertificateThumbprint = $Thumbprint }
                    Enable-VMReplication @splat
                }
            }
            elseif ($replMode -ne 'Primary') {
                $text = "the VM is a {0} here, not the primary; replication runs the other way" -f $replMode
                Stop-VmdrStep -ErrorId 'VmdrNotPrimary' -Message $text -Category 'InvalidOperation'
            }
            else {
                $script:VmdrStep = 'update replication settings'
                $set = @{}
                if ($repl.ReplicationFrequencySec -ne $p.frequency_sec) { $set.ReplicationFrequencySec = $p.frequency_sec }
                if ($repl.RecoveryHistory -ne $p.recovery_history) { $set.RecoveryHistory = $p.recovery_history }
                if ($p.vss_hours -and $repl.VSSSnapshotFrequencyHour -ne $p.vss_hours) { $set.VSSSnapshotFrequencyHour = $p.vss_hours }
                if (-not $p.vss_hours -and $repl.VSSSnapshotFrequencyHour -gt 0) { $set.DisableVSSSnapshotReplication = $true }
                if ($set.Count -gt 0) {
                    $changed = $true
                    if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Set-VMReplication -VM $vm @set }
                }
            }
            if ($State -eq 'paused') {
                if ($replState -in @('InitialReplicationInProgress', 'WaitingForInitialReplication', 'Replicating', 'Resynchronizing')) {
                    $script:VmdrStep = 'suspend replication'
                    $changed = $true
                    if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) { Suspend-VMReplication -VM $vm }
                }
            }
            elseif ($repl) {
                if ($replState -in @('Suspended', 'ResynchronizeSuspended', 'Error', 'UpdateError', 'WaitingForStartResynchronize')) {
                    $script:VmdrStep = 'resume replication'
                    $changed = $true
                    if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                        if ($replState -eq 'WaitingForStartResynchronize') { Resume-VMReplication -VM $vm -Resynchronize }
                        else { Resume-VMReplication -VM $vm }
                    }
                }
            }
            $ready = (-not $repl) -or ($replState -eq 'ReadyForInitialReplication' -and $null -eq $repl.InitialReplicationStartTime)
            if ($State -ne 'paused' -and $ready -and $Initial -in @('now', 'scheduled', 'export', 'seed')) {
                $script:VmdrStep = 'start initial replication'
                $changed = $true
                if ($PSCmdlet.ShouldProcess($vm.Name, $script:VmdrStep)) {
                    if ($Initial -eq 'scheduled') { Start-VMInitialReplication -VM $vm -InitialReplicationStartTime ([datetime]$Start) }
                    elseif ($Initial -eq 'export') {
                        $script:VmdrStep = 'export initial copy'
                        # Hyper-V writes the copy into the folder <VM name>_<VM Id> under the destination
                        Start-VMInitialReplication -VM $vm -DestinationPath $MediaPath
                    }
                    elseif ($Initial -eq 'seed') { Start-VMInitialReplication -VM $vm -UseBackup }
                    else { Start-VMInitialReplication -VM $vm }
                }
            }
        }
        # under -WhatIf nothing changed: there is no 'after' to read
        $after = $null
        if (-not $WhatIfPreference) { $after = ConvertTo-VmdrReplication -Replication (Get-VmdrReplication -VM $vm) }
        [ordered]@{ changed = $changed; before = $before; after = $after; vm = (ConvertTo-VmdrVM -VM $vm) }
    }
}
