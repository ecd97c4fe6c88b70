# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows PowerShell 5.1 script bodies run on Hyper-V hosts.

Every body reads its inputs from ``$in`` (the decoded payload, see clients/winrm_runner.py) and sets ``$data``.
Per-VM work loops over ``$in.vms`` with ``Invoke-VmdrEach``, so one VM's failure never stops the batch.
Nothing that changes a host runs when ``$in.check`` is true.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

FUNCTIONS = r"""
function Stop-VmdrStep([string]$id, [string]$message, $category) {
    if (-not $category) { $category = 'InvalidOperation' }
    Write-Error -Message $message -ErrorId $id -Category $category
}
function Get-VmdrIndex {
    # one Get-VM per script, not one per VM: the VMs by Id and by name (the name as data: Get-VM -Name would expand
    # wildcards). VMs a script creates are taken from the creating cmdlet's output, never from this index.
    if ($null -eq $script:VmdrIndex) {
        $byId = @{}
        $byName = @{}
        foreach ($v in @(Get-VM)) {
            $byId["$($v.Id)"] = $v
            $n = [string]$v.Name
            if ($byName.ContainsKey($n)) { $byName[$n] = @($byName[$n]) + @($v) } else { $byName[$n] = @($v) }
        }
        $script:VmdrIndex = @{ id = $byId; name = $byName }
    }
    return $script:VmdrIndex
}
function Get-VmdrVM($ref, [string]$suffix, [bool]$optional) {
    $script:VmdrStep = 'find VM'
    $index = Get-VmdrIndex
    $found = @()
    if ($ref.id -and -not $suffix) {
        if ($index.id.ContainsKey([string]$ref.id)) { $found = @($index.id[[string]$ref.id]) }
    } else {
        $wanted = [string]$ref.name + $suffix
        if ($index.name.ContainsKey($wanted)) { $found = @($index.name[$wanted]) }
    }
    if ($found.Count -eq 0) {
        if ($suffix -or $optional) { return $null }
        Stop-VmdrStep 'VmdrVMNotFound' ("no VM '{0}' on this host" -f $ref.label) 'ObjectNotFound'
    }
    if ($found.Count -gt 1) {
        Stop-VmdrStep 'VmdrVMAmbiguous' ("{0} VMs are named '{1}' on this host" -f $found.Count, $ref.label) 'InvalidResult'
    }
    return (Get-VM -Id $found[0].Id)
}
function Get-VmdrReplicaState($ref) {
    # the VM, its (simple) relationship, mode and state as strings, and the 'before' of a failover step
    $vm = Get-VmdrVM $ref
    $repl = Get-VMReplication -VM $vm
    $mode = "$($repl.ReplicationMode)"
    $state = "$($repl.ReplicationState)"
    return [ordered]@{ vm = $vm; repl = $repl; mode = $mode; state = $state
        before = [ordered]@{ mode = $mode; state = $state; power_state = $vm.State.ToString() } }
}
function Get-VmdrReplication($vm) {
    try { return (Get-VMReplication -VM $vm) } catch { return $null }
}
function ConvertTo-VmdrVM($vm) {
    if ($null -eq $vm) { return $null }
    return [ordered]@{ name = $vm.Name; id = "$($vm.Id)"; power_state = $vm.State.ToString(); power_code = [int]$vm.State
        heartbeat = "$($vm.Heartbeat)" }
}
function ConvertTo-VmdrReplication($r) {
    if ($null -eq $r) { return $null }
    return [ordered]@{ state = $r.ReplicationState.ToString(); state_code = [int]$r.ReplicationState
        health = $r.ReplicationHealth.ToString(); mode = $r.ReplicationMode.ToString()
        relationship = $r.ReplicationRelationshipType.ToString()
        primary_server = $r.PrimaryServerName; replica_server = $r.ReplicaServerName; port = $r.ReplicaServerPort
        auth = "$($r.AuthenticationType)"; frequency_sec = $r.ReplicationFrequencySec; recovery_history = $r.RecoveryHistory
        vss_hours = $r.VSSSnapshotFrequencyHour; compression = [bool]$r.CompressionEnabled
        last_replication = (ConvertTo-VmdrTime $r.LastReplicationTime) }
}
function Get-VmdrNics($vm) {
    $index = 0
    $nics = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
        $ips = @($nic.IPAddresses | Where-Object { $_ -and "$_".Contains('.') })
        $nics += , ([ordered]@{ index = $index; name = $nic.Name; switch = $nic.SwitchName
            test_switch = $nic.TestReplicaSwitchName; ips = @($ips) })
        $index += 1
    }
    return , $nics
}
function Get-VmdrRecoveryPoints($vm) {
    $points = @()
    foreach ($type in @('Replica', 'AppConsistentReplica')) {
        foreach ($s in @(Get-VMSnapshot -VM $vm -SnapshotType $type -ErrorAction SilentlyContinue)) {
            $points += , ([ordered]@{ id = "$($s.Id)"; name = $s.Name; time = (ConvertTo-VmdrTime $s.CreationTime)
                type = $s.SnapshotType.ToString(); quiesced = ($type -eq 'AppConsistentReplica') })
        }
    }
    return , $points
}
function Find-VmdrRecoverySnapshot($vm, $point) {
    $script:VmdrStep = 'choose recovery point'
    $all = @()
    foreach ($type in @('Replica', 'AppConsistentReplica')) {
        $all += @(Get-VMSnapshot -VM $vm -SnapshotType $type -ErrorAction SilentlyContinue)
    }
    if ($point.kind -eq 'id') {
        $hit = @($all | Where-Object { "$($_.Id)" -eq $point.value -or $_.Name -eq $point.value })
        if ($hit.Count -eq 0) { Stop-VmdrStep 'VmdrRecoveryPointNotFound' ("no recovery point '{0}'" -f $point.value) 'ObjectNotFound' }
        return $hit[0]
    }
    if ($point.kind -eq 'time') {
        $limit = [datetime]$point.value
        $hit = @($all | Where-Object { $_.CreationTime.ToUniversalTime() -le $limit.ToUniversalTime() } | Sort-Object CreationTime)
        if ($hit.Count -eq 0) { Stop-VmdrStep 'VmdrRecoveryPointNotFound' ("no recovery point at or before {0}" -f $point.value) 'ObjectNotFound' }
        return $hit[$hit.Count - 1]
    }
    return $null
}
function ConvertTo-VmdrPoint($snap, $repl) {
    # 'at': host time when the failover used the point (achieved RPO = at - time)
    $at = ConvertTo-VmdrTime (Get-Date)
    if ($snap) { return [ordered]@{ id = "$($snap.Id)"; name = $snap.Name; time = (ConvertTo-VmdrTime $snap.CreationTime); at = $at } }
    # the latest point is the newest applied log, not a snapshot: name it by its time
    $applied = $repl.LastAppliedLogTime
    if ($null -eq $applied) { $applied = $repl.LastReplicationTime }
    if ($null -eq $applied) { return $null }
    $stamp = ([datetime]$applied).ToUniversalTime()
    return [ordered]@{ id = ('latest-' + $stamp.ToString("yyyyMMdd'T'HHmmss'Z'")); name = 'Latest recovery point'
        time = (ConvertTo-VmdrTime $stamp); at = $at }
}
function Set-VmdrFailoverIp($vm, $plan, [bool]$check) {
    $changed = $false
    $nics = @(Get-VMNetworkAdapter -VM $vm)
    foreach ($entry in @($plan)) {
        if ($entry.index -ge $nics.Count) { continue }
        $nic = $nics[$entry.index]
        $script:VmdrStep = 'set failover IP'
        $current = Get-VMNetworkAdapterFailoverConfiguration -VM $vm -VMNetworkAdapterName $nic.Name
        $dns = @($entry.dns)
        if ($entry.action -eq 'dhcp') {
            if ($current.IPv4Address) {
                $changed = $true
                if (-not $check) { Set-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $nic -ClearFailoverIPv4Settings }
            }
            continue
        }
        $same = ($current.IPv4Address -eq $entry.ip) -and ($current.IPv4SubnetMask -eq $entry.mask) -and `
            ("$($current.IPv4DefaultGateway)" -eq "$($entry.gateway)") -and `
            ("$($current.IPv4PreferredDNSServer)" -eq "$($dns[0])")
        if ($same) { continue }
        $changed = $true
        if ($check) { continue }
        $splat = @{ VMNetworkAdapter = $nic; IPv4Address = $entry.ip; IPv4SubnetMask = $entry.mask }
        if ($entry.gateway) { $splat.IPv4DefaultGateway = $entry.gateway }
        if ($dns.Count -gt 0 -and $dns[0]) { $splat.IPv4PreferredDNSServer = $dns[0] }
        if ($dns.Count -gt 1 -and $dns[1]) { $splat.IPv4AlternateDNSServer = $dns[1] }
        Set-VMNetworkAdapterFailoverConfiguration @splat
    }
    return $changed
}
function Set-VmdrSwitches($vm, $switches, [bool]$check, [bool]$test) {
    $changed = $false
    $nics = @(Get-VMNetworkAdapter -VM $vm)
    foreach ($entry in @($switches)) {
        if ($entry.index -ge $nics.Count) { continue }
        $nic = $nics[$entry.index]
        if ($test) {
            $script:VmdrStep = 'set test switch'
            if ($nic.TestReplicaSwitchName -eq $entry.switch) { continue }
            $changed = $true
            if (-not $check) { Set-VMNetworkAdapter -VMNetworkAdapter $nic -TestReplicaSwitchName $entry.switch }
        } else {
            $script:VmdrStep = 'connect network'
            if ($nic.SwitchName -eq $entry.switch) { continue }
            $changed = $true
            if (-not $check) { Connect-VMNetworkAdapter -VMNetworkAdapter $nic -SwitchName $entry.switch }
        }
    }
    return $changed
}
"""

# host facts: replica server configuration and switches
SERVER = r"""
$s = Get-VMReplicationServer
$entries = @()
foreach ($e in @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue)) { $entries += , $e.AllowedPrimaryServer }
$switches = @()
foreach ($w in @(Get-VMSwitch)) { $switches += , ([ordered]@{ name = $w.Name; type = $w.SwitchType.ToString() }) }
$data = [ordered]@{ enabled = [bool]$s.ReplicationEnabled; auth = [int]$s.AllowedAuthenticationType
    auth_name = "$($s.AllowedAuthenticationType)"; kerberos_port = $s.KerberosAuthenticationPort
    certificate_port = $s.CertificateAuthenticationPort; thumbprint = $s.CertificateThumbprint
    any_server = [bool]$s.ReplicationAllowedFromAnyServer; storage = $s.DefaultStorageLocation
    entries = @($entries); switches = @($switches); computer = $env:COMPUTERNAME }
"""

# which of $in.vms this host holds (by VM Id, else by name), with the host facts: for sites of several hosts
LOCATE = SERVER + r"""
$facts = $data
$ids = @{}
$names = @{}
foreach ($v in @(Get-VM)) {
    $ids["$($v.Id)"] = 1
    $n = [string]$v.Name
    if ($names.ContainsKey($n)) { $names[$n] = $names[$n] + 1 } else { $names[$n] = 1 }
}
$found = @()
foreach ($ref in @($in.vms)) {
    $count = 0
    if ($ref.id) { if ($ids.ContainsKey([string]$ref.id)) { $count = 1 } }
    elseif ($names.ContainsKey([string]$ref.name)) { $count = $names[[string]$ref.name] }
    $found += , ([ordered]@{ i = $ref.i; count = $count })
}
$data = [ordered]@{ facts = $facts; found = @($found) }
"""

# make this host accept replication from $in.peer (Kerberos), for enable and for reverse replication; then its facts
SERVER_ENSURE = r"""
$script:VmdrStep = 'configure replica server'
$s = Get-VMReplicationServer
$changed = $false
$storage = $s.DefaultStorageLocation
if (-not $storage) { $storage = 'C:\Hyper-V Replica' }
if (-not $s.ReplicationEnabled) {
    $changed = $true
    if (-not $in.check) {
        $splat = @{ ReplicationEnabled = $true; AllowedAuthenticationType = 'Kerberos'; ReplicationAllowedFromAnyServer = $false
            DefaultStorageLocation = $storage; Force = $true }
        Set-VMReplicationServer @splat
    }
}
if (-not $s.ReplicationAllowedFromAnyServer) {
    $known = @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue |
        Where-Object { $_.AllowedPrimaryServer -eq $in.peer -or $_.AllowedPrimaryServer -eq '*' })
    if ($known.Count -eq 0) {
        $changed = $true
        if (-not $in.check) {
            New-VMReplicationAuthorizationEntry -AllowedPrimaryServer $in.peer -ReplicaStorageLocation $storage -TrustGroup $in.trust_group | Out-Null
        }
    }
}
""" + SERVER + r"""
$data.changed = $changed
if ($changed -and $in.check) { $data.auth = 1 }
$data = [ordered]@{ changed = $changed; facts = $data }
"""

# read VMs: power state, replication, NICs, recovery points, test VM, failover IP settings
READ = r"""
$refs = @($in.vms)
if ($refs.Count -eq 0 -and $in.all) {
    $refs = @()
    foreach ($r in @(Get-VMReplication)) {
        if ("$($r.ReplicationMode)" -eq 'TestReplica') { continue }
        $refs += , ([pscustomobject]@{ i = "$($r.VMId)"; name = $r.VMName; label = $r.VMName; id = "$($r.VMId)" })
    }
}
$data = Invoke-VmdrEach $refs {
    param($ref)
    $vm = Get-VmdrVM $ref
    $script:VmdrStep = 'read replication'
    $repl = Get-VmdrReplication $vm
    $out = [ordered]@{ vm = (ConvertTo-VmdrVM $vm); replication = (ConvertTo-VmdrReplication $repl) }
    if ($in.nics) { $out.nics = (Get-VmdrNics $vm) }
    if ($repl -and $in.measure) {
        $script:VmdrStep = 'measure replication'
        $m = Measure-VMReplication -VM $vm
        $out.measure = [ordered]@{ last_replication_type = "$($m.LastReplicationType)"
            pending_bytes = $m.PendingReplicationSize; errors = $m.ReplicationErrors
            successful = $m.SuccessfulReplicationCount; missed = $m.MissedReplicationCount
            health_details = @($m.ReplicationHealthDetails) }
    }
    if ($repl -and "$($repl.ReplicationMode)" -eq 'Replica') {
        $out.recovery_points = (Get-VmdrRecoveryPoints $vm)
        $test = Get-VmdrVM $ref ' - Test'
        $out.test_vm = (ConvertTo-VmdrVM $test)
    }
    $out
}
$data = [ordered]@{ vms = $data; computer = $env:COMPUTERNAME }
"""

# enable / update / resume / suspend / remove replication of source VMs ($in.state)
ENABLE = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VmdrReplication $vm
    $before = ConvertTo-VmdrReplication $repl
    $changed = $false
    $mode = "$($repl.ReplicationMode)"
    $state = "$($repl.ReplicationState)"
    if ($in.initial -eq 'scheduled' -and $in.state -ne 'absent') {
        # refused before anything changes: Start-VMInitialReplication accepts now to 7 days ahead
        $script:VmdrStep = 'validate initial replication start'
        $start = ([datetime]$in.start).ToUniversalTime()
        $hostNow = (Get-Date).ToUniversalTime()
        if ($start -lt $hostNow -or $start -gt $hostNow.AddDays(7)) {
            $text = "initial_replication_start {0} is not between the host's time {1} and 7 days later" -f `
                $start.ToString('o'), $hostNow.ToString('o')
            Stop-VmdrStep 'VmdrStartTimeOutOfRange' $text 'InvalidArgument'
        }
    }
    if ($in.initial -eq 'import' -and $in.state -ne 'absent' -and -not $repl) {
        $script:VmdrStep = 'check exported initial copy'
        $text = 'replication is not enabled, so there is no exported initial copy to import; run with initial_replication=export first'
        Stop-VmdrStep 'VmdrNotExported' $text 'InvalidOperation'
    }
    if ($in.state -eq 'absent') {
        if ($repl) {
            $script:VmdrStep = 'remove replication'
            $changed = $true
            if (-not $in.check) { Remove-VMReplication -VM $vm -Confirm:$false }
        }
    } else {
        $p = $in.policy
        if (-not $repl) {
            $script:VmdrStep = 'enable replication'
            $changed = $true
            if (-not $in.check) {
                $splat = @{ VM = $vm; ReplicaServerName = $ref.replica_server; ReplicaServerPort = $ref.replica_port
                    AuthenticationType = $ref.auth; ReplicationFrequencySec = $p.frequency_sec
                    RecoveryHistory = $p.recovery_history; CompressionEnabled = $true }
                if ($p.vss_hours) { $splat.VSSSnapshotFrequencyHour = $p.vss_hours }
                if ($in.thumbprint) { $splat.CertificateThumbprint = $in.thumbprint }
                Enable-VMReplication @splat
            }
        } elseif ($mode -ne 'Primary') {
            Stop-VmdrStep 'VmdrNotPrimary' ("the VM is a {0} here, not the primary; replication runs the other way" -f $mode) 'InvalidOperation'
        } else {
            $script:VmdrStep = 'update replication settings'
            $set = @{}
            if ($repl.ReplicationFrequencySec -ne $p.frequency_sec) { $set.ReplicationFrequencySec = $p.frequency_sec }
            if ($repl.RecoveryHistory -ne $p.recovery_history) { $set.RecoveryHistory = $p.recovery_history }
            if ($p.vss_hours -and $repl.VSSSnapshotFrequencyHour -ne $p.vss_hours) { $set.VSSSnapshotFrequencyHour = $p.vss_hours }
            if (-not $p.vss_hours -and $repl.VSSSnapshotFrequencyHour -gt 0) { $set.DisableVSSSnapshotReplication = $true }
            if ($set.Count -gt 0) {
                $changed = $true
                if (-not $in.check) { Set-VMReplication -VM $vm @set }
            }
        }
        if ($in.state -eq 'paused') {
            if ($state -in @('InitialReplicationInProgress', 'WaitingForInitialReplication', 'Replicating', 'Resynchronizing')) {
                $script:VmdrStep = 'suspend replication'
                $changed = $true
                if (-not $in.check) { Suspend-VMReplication -VM $vm }
            }
        } elseif ($repl) {
            if ($state -in @('Suspended', 'ResynchronizeSuspended', 'Error', 'UpdateError', 'WaitingForStartResynchronize')) {
                $script:VmdrStep = 'resume replication'
                $changed = $true
                if (-not $in.check) {
                    if ($state -eq 'WaitingForStartResynchronize') { Resume-VMReplication -VM $vm -Resynchronize } else { Resume-VMReplication -VM $vm }
                }
            }
        }
        $ready = (-not $repl) -or ($state -eq 'ReadyForInitialReplication' -and $null -eq $repl.InitialReplicationStartTime)
        if ($in.state -ne 'paused' -and $ready -and $in.initial -in @('now', 'scheduled', 'export', 'seed')) {
            $script:VmdrStep = 'start initial replication'
            $changed = $true
            if (-not $in.check) {
                if ($in.initial -eq 'scheduled') { Start-VMInitialReplication -VM $vm -InitialReplicationStartTime ([datetime]$in.start) }
                elseif ($in.initial -eq 'export') {
                    $script:VmdrStep = 'export initial copy'
                    Start-VMInitialReplication -VM $vm -DestinationPath ($in.media_path.TrimEnd('\') + '\' + "$($vm.Id)")
                }
                elseif ($in.initial -eq 'seed') { Start-VMInitialReplication -VM $vm -UseBackup }
                else { Start-VMInitialReplication -VM $vm }
            }
        }
    }
    $after = $null
    if (-not $in.check) { $after = ConvertTo-VmdrReplication (Get-VmdrReplication $vm) }
    [ordered]@{ changed = $changed; before = $before; after = $after; vm = (ConvertTo-VmdrVM $vm) }
}
"""

# replica side of enable, before the primary is enabled: a copy restored from backup becomes the replica
SEED_REPLICA = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $script:VmdrStep = 'find restored copy'
    $vm = Get-VmdrVM $ref '' $true
    if (-not $vm) {
        Stop-VmdrStep 'VmdrNoRestoredCopy' ("no VM '{0}' on this host: restore it from backup here first" -f $ref.label) 'ObjectNotFound'
    }
    $repl = Get-VmdrReplication $vm
    $mode = "$($repl.ReplicationMode)"
    $changed = $false
    if (-not $repl) {
        $script:VmdrStep = 'make restored copy a replica'
        if ($vm.State.ToString() -ne 'Off') {
            Stop-VmdrStep 'VmdrRestoredCopyRunning' 'the restored copy is running; turn it off so it can become the replica' 'InvalidOperation'
        }
        $changed = $true
        if (-not $in.check) { Enable-VMReplication -VM $vm -AsReplica -AllowedPrimaryServer $ref.peer }
    } elseif ($mode -ne 'Replica') {
        Stop-VmdrStep 'VmdrNotReplica' ("the VM here is a {0}, not a restored copy" -f $mode) 'InvalidOperation'
    }
    [ordered]@{ changed = $changed }
}
"""

# replica side of enable after an export: import the initial copy from the media folder of each VM
IMPORT_REPLICA = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VmdrReplication $vm
    $state = "$($repl.ReplicationState)"
    $changed = $false
    if ("$($repl.ReplicationMode)" -eq 'Replica' -and $state -eq 'WaitingForInitialReplication') {
        $script:VmdrStep = 'import initial copy'
        $changed = $true
        if (-not $in.check) { Import-VMInitialReplication -VM $vm -Path ($in.media_path.TrimEnd('\') + '\' + "$($vm.Id)") }
    } elseif ("$($repl.ReplicationMode)" -ne 'Replica') {
        $script:VmdrStep = 'import initial copy'
        Stop-VmdrStep 'VmdrNotReplica' ("the VM here is not a replica (mode {0})" -f $repl.ReplicationMode) 'InvalidOperation'
    }
    [ordered]@{ changed = $changed; replication = (ConvertTo-VmdrReplication (Get-VmdrReplication $vm)) }
}
"""

# replica side of enable: switches for live and test networks, or removal
REPLICA_SETUP = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref '' ($in.state -eq 'absent')
    if (-not $vm) { return [ordered]@{ changed = $false; replication = $null; missing = $true } }
    $repl = Get-VmdrReplication $vm
    $changed = $false
    if ($in.state -eq 'absent') {
        if ($repl) {
            $script:VmdrStep = 'remove replication on the replica'
            $changed = $true
            if (-not $in.check) { Remove-VMReplication -VM $vm -Confirm:$false }
        }
        if ($in.delete_replica) {
            $script:VmdrStep = 'delete replica VM'
            $changed = $true
            if (-not $in.check) { Remove-VM -VM $vm -Force }
        }
    } else {
        if ($ref.live) { if (Set-VmdrSwitches $vm $ref.live ([bool]$in.check) $false) { $changed = $true } }
        if ($ref.test) { if (Set-VmdrSwitches $vm $ref.test ([bool]$in.check) $true) { $changed = $true } }
    }
    [ordered]@{ changed = $changed; replication = (ConvertTo-VmdrReplication (Get-VmdrReplication $vm)) }
}
"""

# replica_sync: resume what stopped; report state and last replication time
SYNC = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $script:VmdrStep = 'read replication'
    $repl = Get-VMReplication -VM $vm
    $state = "$($repl.ReplicationState)"
    $changed = $false
    if ("$($repl.ReplicationMode)" -eq 'Primary') {
        if ($state -in @('Suspended', 'ResynchronizeSuspended')) {
            $script:VmdrStep = 'check replication'
            Stop-VmdrStep 'VmdrPaused' 'replication is paused' 'InvalidOperation'
        }
        if ($state -in @('Error', 'UpdateError')) {
            $script:VmdrStep = 'resume replication'
            $changed = $true
            if (-not $in.check) { Resume-VMReplication -VM $vm }
        } elseif ($state -eq 'WaitingForStartResynchronize') {
            $script:VmdrStep = 'resynchronize'
            $changed = $true
            if (-not $in.check) { Resume-VMReplication -VM $vm -Resynchronize }
        } elseif ($state -eq 'ReadyForInitialReplication' -and $ref.resume) {
            $script:VmdrStep = 'start initial replication'
            $changed = $true
            if (-not $in.check) { Start-VMInitialReplication -VM $vm }
        }
    }
    [ordered]@{ changed = $changed; before = (ConvertTo-VmdrReplication $repl)
        after = (ConvertTo-VmdrReplication (Get-VMReplication -VM $vm)) }
}
"""

# network_map / reip on replicas
REPLICA_NETWORK = r"""
function Get-VmdrFailoverIp($vm) {
    $fo = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $vm)) {
        $c = Get-VMNetworkAdapterFailoverConfiguration -VM $vm -VMNetworkAdapterName $nic.Name
        $fo += , ([ordered]@{ ip = $c.IPv4Address; mask = $c.IPv4SubnetMask; gateway = $c.IPv4DefaultGateway
            dns = $c.IPv4PreferredDNSServer })
    }
    return , $fo
}
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $before = [ordered]@{ nics = (Get-VmdrNics $vm); failover_ip = (Get-VmdrFailoverIp $vm) }
    $changed = $false
    if ($ref.live) { if (Set-VmdrSwitches $vm $ref.live ([bool]$in.check) $false) { $changed = $true } }
    if ($ref.test) { if (Set-VmdrSwitches $vm $ref.test ([bool]$in.check) $true) { $changed = $true } }
    if ($ref.reip) { if (Set-VmdrFailoverIp $vm $ref.reip ([bool]$in.check)) { $changed = $true } }
    $after = [ordered]@{ nics = (Get-VmdrNics $vm); failover_ip = (Get-VmdrFailoverIp $vm) }
    [ordered]@{ changed = $changed; before = $before; after = $after }
}
"""

# planned failover, primary side: shut down, then prepare (sends the last changes)
PLANNED_PRIMARY = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VMReplication -VM $vm
    $state = "$($repl.ReplicationState)"
    $changed = $false
    if ("$($repl.ReplicationMode)" -ne 'Primary' -or $state -eq 'PreparedForFailover') {
        return [ordered]@{ changed = $false; state = $state; mode = "$($repl.ReplicationMode)" }
    }
    if ($vm.State.ToString() -ne 'Off') {
        $script:VmdrStep = 'shut down primary'
        $changed = $true
        if (-not $in.check) {
            try { Stop-VM -VM $vm -Force } catch {
                if (-not $in.force_power_off) { throw }
                Stop-VM -VM $vm -TurnOff -Force
            }
        }
    }
    $script:VmdrStep = 'prepare failover'
    $wasRunning = $changed
    $changed = $true
    if (-not $in.check) {
        try { Start-VMFailover -VM $vm -Prepare -Confirm:$false } catch {
            $failure = $_
            # the final sync failed: bring the primary back instead of leaving the service down
            if ($wasRunning) { try { Start-VM -VM $vm } catch { $null = $_ } }
            throw $failure
        }
    }
    [ordered]@{ changed = $changed; state = "$((Get-VMReplication -VM $vm).ReplicationState)"; mode = 'Primary' }
}
"""

# failover on the replica host: planned, unplanned (recovery point), with networks, re-IP and start
FAILOVER_REPLICA = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $s = Get-VmdrReplicaState $ref
    $vm, $repl, $mode, $state, $before = $s.vm, $s.repl, $s.mode, $s.state, $s.before
    $changed = $false
    $point = $null
    if ($mode -eq 'Replica' -and $state -notin @('FailedOverWaitingCompletion', 'FailedOver')) {
        $snap = $null
        if ($ref.point.kind -ne 'latest') { $snap = Find-VmdrRecoverySnapshot $vm $ref.point }
        $point = ConvertTo-VmdrPoint $snap $repl
        if ($ref.live) { if (Set-VmdrSwitches $vm $ref.live ([bool]$in.check) $false) { $changed = $true } }
        if ($ref.reip) { if (Set-VmdrFailoverIp $vm $ref.reip ([bool]$in.check)) { $changed = $true } }
        $script:VmdrStep = 'fail over replica'
        $changed = $true
        if (-not $in.check) {
            if ($snap) { Start-VMFailover -VMRecoverySnapshot $snap -Confirm:$false } else { Start-VMFailover -VM $vm -Confirm:$false }
        }
        $state = 'FailedOverWaitingCompletion'
    } elseif ($mode -eq 'Replica') {
        if ($ref.live) { if (Set-VmdrSwitches $vm $ref.live ([bool]$in.check) $false) { $changed = $true } }
        if ($ref.reip) { if (Set-VmdrFailoverIp $vm $ref.reip ([bool]$in.check)) { $changed = $true } }
    } elseif ($mode -ne 'Primary') {
        Stop-VmdrStep 'VmdrNotReplica' ("the VM is not a replica here (mode {0})" -f $mode) 'InvalidOperation'
    }
    if ($in.mode -eq 'planned' -and $mode -eq 'Replica') {
        $script:VmdrStep = 'reverse replication'
        $changed = $true
        if (-not $in.check) { Set-VMReplication -VM $vm -Reverse -Confirm:$false }
    }
    if ($in.mode -eq 'unplanned' -and $in.commit -and $mode -eq 'Replica' -and $state -eq 'FailedOverWaitingCompletion') {
        $script:VmdrStep = 'complete failover'
        $changed = $true
        if (-not $in.check) { Complete-VMFailover -VM $vm -Confirm:$false }
    }
    if ($in.power_on -and $vm.State.ToString() -ne 'Running') {
        $script:VmdrStep = 'start recovered VM'
        $changed = $true
        if (-not $in.check) { Start-VM -VM $vm }
    }
    $r = Get-VMReplication -VM $vm
    $after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)"; power_state = (Get-VM -Id $vm.Id).State.ToString() }
    [ordered]@{ changed = $changed; before = $before; after = $after; point = $point; vm = (ConvertTo-VmdrVM (Get-VM -Id $vm.Id))
        nics = (Get-VmdrNics $vm) }
}
"""

# test failover on the replica host
TEST_FAILOVER = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $test = Get-VmdrVM $ref ' - Test'
    $changed = $false
    $point = $null
    $before = ConvertTo-VmdrVM $test
    if (-not $test) {
        $repl = Get-VMReplication -VM $vm
        if ("$($repl.ReplicationMode)" -ne 'Replica') {
            Stop-VmdrStep 'VmdrNotReplica' ("the VM is not a replica here (mode {0})" -f $repl.ReplicationMode) 'InvalidOperation'
        }
        $snap = $null
        if ($ref.point.kind -ne 'latest') { $snap = Find-VmdrRecoverySnapshot $vm $ref.point }
        $point = ConvertTo-VmdrPoint $snap $repl
        if ($ref.test) { if (Set-VmdrSwitches $vm $ref.test ([bool]$in.check) $true) { $changed = $true } }
        if ($ref.reip) { if (Set-VmdrFailoverIp $vm $ref.reip ([bool]$in.check)) { $changed = $true } }
        $script:VmdrStep = 'start test failover'
        $changed = $true
        if (-not $in.check) {
            # -AsTest always writes the new test VM
            if ($snap) { $created = @(Start-VMFailover -VMRecoverySnapshot $snap -AsTest -Confirm:$false) }
            else { $created = @(Start-VMFailover -VM $vm -AsTest -Confirm:$false) }
            $test = Get-VM -Id $created[0].Id
        }
    }
    if ($in.power_on -and ((-not $test) -or $test.State.ToString() -ne 'Running')) {
        $script:VmdrStep = 'start test VM'
        $changed = $true
        if (-not $in.check) { Start-VM -VM $test }
    }
    $nics = @()
    if ($test) { $nics = (Get-VmdrNics (Get-VM -Id $test.Id)); $test = Get-VM -Id $test.Id }
    [ordered]@{ changed = $changed; before = $before; after = (ConvertTo-VmdrVM $test); point = $point; nics = $nics }
}
"""

CLEANUP_TEST = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $test = Get-VmdrVM $ref ' - Test'
    $removed = @()
    if ($test) {
        $script:VmdrStep = 'stop test failover'
        $removed += , $test.Name
        if (-not $in.check) { Stop-VMFailover -VM $vm -Confirm:$false }
    }
    [ordered]@{ changed = ($removed.Count -gt 0); removed = @($removed); before = (ConvertTo-VmdrVM $test) }
}
"""

# reverse after an unplanned failover, step 1 on the old primary: make it a replica
REVERSE_OLD_PRIMARY = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VmdrReplication $vm
    $mode = "$($repl.ReplicationMode)"
    $changed = $false
    if ($mode -eq 'Primary') {
        if ($vm.State.ToString() -ne 'Off') {
            $script:VmdrStep = 'turn off old primary'
            $changed = $true
            if (-not $in.check) { Stop-VM -VM $vm -TurnOff -Force }
        }
        $script:VmdrStep = 'make old primary a replica'
        $changed = $true
        if (-not $in.check) { Set-VMReplication -VM $vm -AsReplica -AllowedPrimaryServer $ref.peer }
    }
    [ordered]@{ changed = $changed; before = $mode; after = "$((Get-VmdrReplication $vm).ReplicationMode)" }
}
"""

# reverse after an unplanned failover, step 2 on the recovered VM: complete, reverse, initial replication
REVERSE_REPLICA = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VMReplication -VM $vm
    $mode = "$($repl.ReplicationMode)"
    $state = "$($repl.ReplicationState)"
    $before = [ordered]@{ mode = $mode; state = $state }
    $changed = $false
    if ($mode -eq 'Replica') {
        if ($state -eq 'FailedOverWaitingCompletion') {
            $script:VmdrStep = 'complete failover'
            $changed = $true
            if (-not $in.check) { Complete-VMFailover -VM $vm -Confirm:$false }
        } elseif ($state -ne 'FailedOver') {
            $script:VmdrStep = 'check failover state'
            $text = "the replica is not failed over (state {0}); run an unplanned or planned failover first" -f $state
            Stop-VmdrStep 'VmdrNotFailedOver' $text 'InvalidOperation'
        }
        $script:VmdrStep = 'reverse replication'
        $changed = $true
        if (-not $in.check) {
            $splat = @{ VM = $vm; Reverse = $true; ReplicaServerName = $ref.replica_server; ReplicaServerPort = $ref.replica_port
                AuthenticationType = $ref.auth }
            Set-VMReplication @splat
        }
        $state = 'ReadyForInitialReplication'
    }
    if ($mode -in @('Replica', 'Primary')) {
        if ($in.check) { $now = $state } else { $now = "$((Get-VMReplication -VM $vm).ReplicationState)" }
        if ($now -eq 'ReadyForInitialReplication') {
            $script:VmdrStep = 'start initial replication'
            $changed = $true
            if (-not $in.check) { Start-VMInitialReplication -VM $vm }
        }
    }
    $r = Get-VMReplication -VM $vm
    [ordered]@{ changed = $changed; before = $before; after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)" } }
}
"""

# readiness of VMs named literally in $in.vms (recovered or test VMs)
POWER = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    ConvertTo-VmdrVM (Get-VmdrVM $ref)
}
"""

# cancel a failover that is not committed, on the replica: Stop-VMFailover turns the replica off and reverts it
CANCEL_REPLICA = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $s = Get-VmdrReplicaState $ref
    $vm, $repl, $mode, $state, $before = $s.vm, $s.repl, $s.mode, $s.state, $s.before
    $changed = $false
    if ($mode -eq 'Replica' -and $state -in @('FailedOverWaitingCompletion', 'RecoveryInProgress')) {
        $test = Get-VmdrVM $ref ' - Test'
        $script:VmdrStep = 'cancel failover'
        if ($test) {
            Stop-VmdrStep 'VmdrTestVMExists' 'a test failover of this VM exists; Stop-VMFailover would remove it instead of cancelling' 'InvalidOperation'
        }
        $changed = $true
        if (-not $in.check) { Stop-VMFailover -VM $vm -Confirm:$false }
    } elseif ($mode -eq 'Replica' -and $state -eq 'FailedOver') {
        $script:VmdrStep = 'cancel failover'
        $text = 'the failover is committed (Complete-VMFailover) and cannot be cancelled; use mode=reverse to replicate back'
        Stop-VmdrStep 'VmdrCommitted' $text 'InvalidOperation'
    }
    $r = Get-VMReplication -VM $vm
    [ordered]@{ changed = $changed; before = $before
        after = [ordered]@{ mode = "$($r.ReplicationMode)"; state = "$($r.ReplicationState)"; power_state = (Get-VM -Id $vm.Id).State.ToString() } }
}
"""

# cancel on the primary: a VM prepared for a planned failover replicates again and, with power_on, runs again
CANCEL_PRIMARY = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $repl = Get-VmdrReplication $vm
    $changed = $false
    if ("$($repl.ReplicationMode)" -eq 'Primary' -and "$($repl.ReplicationState)" -eq 'PreparedForFailover') {
        $script:VmdrStep = 'cancel prepared failover'
        $changed = $true
        if (-not $in.check) { Stop-VMFailover -VM $vm -Confirm:$false }
        if ($in.power_on -and $vm.State.ToString() -ne 'Running') {
            $script:VmdrStep = 'start primary'
            if (-not $in.check) { Start-VM -VM $vm }
        }
    }
    [ordered]@{ changed = $changed; state = "$((Get-VmdrReplication $vm).ReplicationState)" }
}
"""

# extended replication from the replica host to a third server ($in.server), on Replica-mode VMs
EXTEND = r"""
function Get-VmdrExtended($vm) {
    try { return (Get-VMReplication -VM $vm -ReplicationRelationshipType Extended -ErrorAction Stop) } catch { return $null }
}
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref '' ($in.state -eq 'absent')
    if (-not $vm) { return [ordered]@{ changed = $false; pending = $false; extended = $null } }
    $script:VmdrStep = 'read extended replication'
    $simple = Get-VmdrReplication $vm
    $ext = Get-VmdrExtended $vm
    $before = ConvertTo-VmdrReplication $ext
    $changed = $false
    $pending = $false
    if ($in.state -eq 'absent') {
        if ($ext) {
            $script:VmdrStep = 'remove extended replication'
            $changed = $true
            if (-not $in.check) { Remove-VMReplication -VM $vm -ReplicationRelationshipType Extended -Confirm:$false }
        }
    } elseif ("$($simple.ReplicationMode)" -ne 'Replica') {
        $text = "the VM here is not a replica (mode {0}); extended replication starts from the replica" -f $simple.ReplicationMode
        Stop-VmdrStep 'VmdrNotReplica' $text 'InvalidOperation'
    } else {
        $extState = "$($ext.ReplicationState)"
        if (-not $ext) {
            if ("$($simple.ReplicationState)" -ne 'Replicating') {
                $pending = $true  # extended replication starts once the replica has its initial copy
            } else {
                $script:VmdrStep = 'enable extended replication'
                $changed = $true
                $extState = 'ReadyForInitialReplication'
                if (-not $in.check) {
                    $splat = @{ VM = $vm; ReplicaServerName = $in.server; ReplicaServerPort = $in.port
                        AuthenticationType = "$($simple.AuthenticationType)"; ReplicationFrequencySec = $in.frequency_sec }
                    Enable-VMReplication @splat
                }
            }
        } elseif ("$($ext.ReplicaServerName)" -ne $in.server) {
            $text = "extended replication already goes to '{0}'; remove it (state absent) to change the server" -f $ext.ReplicaServerName
            Stop-VmdrStep 'VmdrExtendedElsewhere' $text 'InvalidOperation'
        }
        if ($extState -eq 'ReadyForInitialReplication' -and ($null -eq $ext -or $null -eq $ext.InitialReplicationStartTime)) {
            $script:VmdrStep = 'start extended initial replication'
            $changed = $true
            if (-not $in.check) { Start-VMInitialReplication -VM $vm }
        }
    }
    [ordered]@{ changed = $changed; pending = $pending; before = $before; extended = (ConvertTo-VmdrReplication (Get-VmdrExtended $vm)) }
}
"""
