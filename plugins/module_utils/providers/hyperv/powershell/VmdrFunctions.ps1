<#
.SYNOPSIS
Functions shared by the vmdr Hyper-V steps.

.DESCRIPTION
The runner sends this file, then one step file, then a call of that step, as one script in one WinRM command.
The runner's envelope defines ConvertTo-VmdrError and sets $ErrorActionPreference = 'Stop', so every error in
a step is terminating and caught: by Invoke-VmdrEach for the VM at hand, else by the envelope.

Check mode is -WhatIf. Every change runs inside if ($PSCmdlet.ShouldProcess(<VM>, <step>)) { ... }; the
functions below that change something are advanced functions with SupportsShouldProcess, called without -WhatIf:
they inherit it through $WhatIfPreference, which -WhatIf sets in the scope of the step that calls them.

.NOTES
Constant: FUNCTIONS
#>

function Invoke-VmdrEach {
    # Runs -Process for each VM reference; one VM's error never stops the others. Returns one array (never
    # unrolled) of {i, ok, data} or {i, ok, step, error}: data is the last object -Process wrote.
    # Deliberately not an advanced function: -Process runs in a scope below this one, and PowerShell's dynamic
    # scoping lets it see the calling step's parameters and $PSCmdlet (ShouldProcess and -WhatIf). An advanced
    # function would put its own $PSCmdlet in between. Its variables are named each* so that they shadow nothing.
    param(
        [object[]]$InputObject = @(),
        [scriptblock]$Process
    )
    $eachResults = @()
    foreach ($eachItem in @($InputObject)) {
        $script:VmdrStep = $null
        try {
            $eachOut = @(& $Process $eachItem)
            $eachValue = $null
            if ($eachOut.Count -gt 0) { $eachValue = $eachOut[$eachOut.Count - 1] }
            $eachResults += , ([ordered]@{ i = $eachItem.i; ok = $true; data = $eachValue })
        }
        catch {
            $eachResults += , ([ordered]@{ i = $eachItem.i; ok = $false; step = $script:VmdrStep; error = (ConvertTo-VmdrError $_) })
        }
    }
    return , $eachResults
}

function ConvertTo-VmdrTime {
    [CmdletBinding()]
    param(
        [object]$Value
    )
    if ($null -eq $Value) { return $null }
    return ([datetime]$Value).ToUniversalTime().ToString('o')
}

function Stop-VmdrStep {
    # a terminating error ($ErrorActionPreference is Stop) that names the VM's problem by its ErrorId
    [CmdletBinding()]
    param(
        [string]$ErrorId,
        [string]$Message,
        [string]$Category = 'InvalidOperation'
    )
    Write-Error -Message $Message -ErrorId $ErrorId -Category $Category
}

function Get-VmdrHostConfiguration {
    # the replica server configuration, its authorization entries and the virtual switches of this host
    [CmdletBinding()]
    param()
    $s = Get-VMReplicationServer
    $entries = @()
    foreach ($e in @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue)) { $entries += , $e.AllowedPrimaryServer }
    $switches = @()
    foreach ($w in @(Get-VMSwitch)) { $switches += , ([ordered]@{ name = $w.Name; type = $w.SwitchType.ToString() }) }
    return [ordered]@{ enabled = [bool]$s.ReplicationEnabled; auth = [int]$s.AllowedAuthenticationType
        auth_name = "$($s.AllowedAuthenticationType)"; kerberos_port = $s.KerberosAuthenticationPort
        certificate_port = $s.CertificateAuthenticationPort; thumbprint = $s.CertificateThumbprint
        any_server = [bool]$s.ReplicationAllowedFromAnyServer; storage = $s.DefaultStorageLocation
        entries = @($entries); switches = @($switches); computer = $env:COMPUTERNAME
    }
}

function Get-VmdrIndex {
    # One Get-VM per script, not one per VM: the VMs by Id and by name (the name as data: Get-VM -Name would expand
    # wildcards). VMs a script creates are taken from the creating cmdlet's output, never from this index.
    [CmdletBinding()]
    param()
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

function Get-VmdrVM {
    # the VM a reference {id, name, label} names; with -Suffix the VM named name + suffix (e.g. its test VM);
    # $null when not found and -Suffix or -Optional is given
    [CmdletBinding()]
    param(
        [object]$Ref,
        [string]$Suffix = '',
        [switch]$Optional
    )
    $script:VmdrStep = 'find VM'
    $index = Get-VmdrIndex
    $found = @()
    if ($Ref.id -and -not $Suffix) {
        if ($index.id.ContainsKey([string]$Ref.id)) { $found = @($index.id[[string]$Ref.id]) }
    }
    else {
        $wanted = [string]$Ref.name + $Suffix
        if ($index.name.ContainsKey($wanted)) { $found = @($index.name[$wanted]) }
    }
    if ($found.Count -eq 0) {
        if ($Suffix -or $Optional) { return $null }
        Stop-VmdrStep -ErrorId 'VmdrVMNotFound' -Message ("no VM '{0}' on this host" -f $Ref.label) -Category 'ObjectNotFound'
    }
    if ($found.Count -gt 1) {
        $text = "{0} VMs are named '{1}' on this host" -f $found.Count, $Ref.label
        Stop-VmdrStep -ErrorId 'VmdrVMAmbiguous' -Message $text -Category 'InvalidResult'
    }
    return (Get-VM -Id $found[0].Id)
}

function Get-VmdrReplicaState {
    # the VM, its (simple) relationship, mode and state as strings, and the 'before' of a failover step
    [CmdletBinding()]
    param(
        [object]$Ref
    )
    $vm = Get-VmdrVM -Ref $Ref
    $repl = Get-VmdrOwnReplication -VM $vm
    $mode = "$($repl.ReplicationMode)"
    $state = "$($repl.ReplicationState)"
    return [ordered]@{ vm = $vm; repl = $repl; mode = $mode; state = $state
        before = [ordered]@{ mode = $mode; state = $state; power_state = $vm.State.ToString() }
    }
}

function Get-VmdrOwnReplication {
    # the VM's own relationship: the simple one, or on an extended replica the extended one it receives. On the
    # middle host of an extended chain Get-VMReplication -VM returns the simple and the extended relationship
    # (reference section 7); the extended one is read with -ReplicationRelationshipType Extended where it is meant.
    # Fails (ObjectNotFound) when the VM has no replication.
    [CmdletBinding()]
    param(
        [object]$VM
    )
    $all = @(Get-VMReplication -VM $VM)
    $own = @($all | Where-Object { "$($_.ReplicationRelationshipType)" -eq 'Simple' })
    if ($own.Count -gt 0) { return $own[0] }
    if ($all.Count -gt 0) { return $all[0] }
    return $null
}

function Get-VmdrReplication {
    # the VM's own replication (Get-VmdrOwnReplication), $null when it has none
    [CmdletBinding()]
    param(
        [object]$VM
    )
    try { return (Get-VmdrOwnReplication -VM $VM) } catch { return $null }
}

function ConvertTo-VmdrVM {
    [CmdletBinding()]
    param(
        [object]$VM
    )
    if ($null -eq $VM) { return $null }
    return [ordered]@{ name = $VM.Name; id = "$($VM.Id)"; power_state = $VM.State.ToString(); power_code = [int]$VM.State
        heartbeat = "$($VM.Heartbeat)"
    }
}

function ConvertTo-VmdrReplication {
    [CmdletBinding()]
    param(
        [object]$Replication
    )
    $r = $Replication
    if ($null -eq $r) { return $null }
    return [ordered]@{ state = $r.ReplicationState.ToString(); state_code = [int]$r.ReplicationState
        health = $r.ReplicationHealth.ToString(); mode = $r.ReplicationMode.ToString()
        relationship = $r.ReplicationRelationshipType.ToString()
        primary_server = $r.PrimaryServerName; replica_server = $r.ReplicaServerName; port = $r.ReplicaServerPort
        auth = "$($r.AuthenticationType)"; frequency_sec = $r.ReplicationFrequencySec; recovery_history = $r.RecoveryHistory
        vss_hours = $r.VSSSnapshotFrequencyHour; compression = [bool]$r.CompressionEnabled
        last_replication = (ConvertTo-VmdrTime -Value $r.LastReplicationTime)
        last_applied = (ConvertTo-VmdrTime -Value $r.LastAppliedLogTime)
    }
}

function Get-VmdrFailoverIp {
    # the failover IPv4 settings of one network adapter, asked by the adapter object: every adapter is named
    # "Network Adapter" unless renamed, so -VMNetworkAdapterName would match all of them
    [CmdletBinding()]
    param(
        [object]$Adapter
    )
    $c = Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $Adapter
    return [ordered]@{ ip = $c.IPv4Address; mask = $c.IPv4SubnetMask; gateway = $c.IPv4DefaultGateway
        dns = $c.IPv4PreferredDNSServer
    }
}

function Get-VmdrNic {
    # the VM's network adapters in order: name, switch, test switch, IPv4 addresses; with -FailoverIp also the
    # failover IPv4 settings staged on each (failover_ip)
    [CmdletBinding()]
    param(
        [object]$VM,
        [switch]$FailoverIp
    )
    $index = 0
    $nics = @()
    foreach ($nic in @(Get-VMNetworkAdapter -VM $VM)) {
        $ips = @($nic.IPAddresses | Where-Object { $_ -and "$_".Contains('.') })
        $entry = [ordered]@{ index = $index; name = $nic.Name; switch = $nic.SwitchName; test_switch = $nic.TestReplicaSwitchName
            ips = @($ips)
        }
        if ($FailoverIp) { $entry.failover_ip = (Get-VmdrFailoverIp -Adapter $nic) }
        $nics += , $entry
        $index += 1
    }
    return , $nics
}

function Get-VmdrRecoveryPoint {
    # the recovery points (Replica and AppConsistentReplica snapshots) of a replica VM
    [CmdletBinding()]
    param(
        [object]$VM
    )
    $points = @()
    foreach ($type in @('Replica', 'AppConsistentReplica')) {
        foreach ($s in @(Get-VMSnapshot -VM $VM -SnapshotType $type -ErrorAction SilentlyContinue)) {
            $points += , ([ordered]@{ id = "$($s.Id)"; name = $s.Name; time = (ConvertTo-VmdrTime -Value $s.CreationTime)
                type = $s.SnapshotType.ToString(); quiesced = ($type -eq 'AppConsistentReplica') })
        }
    }
    return , $points
}

function Find-VmdrRecoverySnapshot {
    # the snapshot a recovery point {kind, value} names: kind 'id' (Id or name) or 'time' (newest at or before);
    # $null for 'latest'
    [CmdletBinding()]
    param(
        [object]$VM,
        [object]$Point
    )
    $script:VmdrStep = 'choose recovery point'
    $all = @()
    foreach ($type in @('Replica', 'AppConsistentReplica')) {
        $all += @(Get-VMSnapshot -VM $VM -SnapshotType $type -ErrorAction SilentlyContinue)
    }
    if ($Point.kind -eq 'id') {
        $hit = @($all | Where-Object { "$($_.Id)" -eq $Point.value -or $_.Name -eq $Point.value })
        if ($hit.Count -eq 0) {
            Stop-VmdrStep -ErrorId 'VmdrRecoveryPointNotFound' -Message ("no recovery point '{0}'" -f $Point.value) -Category 'ObjectNotFound'
        }
        return $hit[0]
    }
    if ($Point.kind -eq 'time') {
        $limit = [datetime]$Point.value
        $hit = @($all | Where-Object { $_.CreationTime.ToUniversalTime() -le $limit.ToUniversalTime() } | Sort-Object CreationTime)
        if ($hit.Count -eq 0) {
            $text = "no recovery point at or before {0}" -f $Point.value
            Stop-VmdrStep -ErrorId 'VmdrRecoveryPointNotFound' -Message $text -Category 'ObjectNotFound'
        }
        return $hit[$hit.Count - 1]
    }
    return $null
}

function ConvertTo-VmdrPoint {
    # the recovery point a failover uses; 'at' is the host time when it used it (achieved RPO = at - time)
    [CmdletBinding()]
    param(
        [object]$Snapshot,
        [object]$Replication
    )
    $at = ConvertTo-VmdrTime -Value (Get-Date)
    if ($Snapshot) {
        return [ordered]@{ id = "$($Snapshot.Id)"; name = $Snapshot.Name; time = (ConvertTo-VmdrTime -Value $Snapshot.CreationTime); at = $at }
    }
    # the latest point is the newest applied log, not a snapshot: name it by its time
    $applied = $Replication.LastAppliedLogTime
    if ($null -eq $applied) { $applied = $Replication.LastReplicationTime }
    if ($null -eq $applied) { return $null }
    $stamp = ([datetime]$applied).ToUniversalTime()
    return [ordered]@{ id = ('latest-' + $stamp.ToString("yyyyMMdd'T'HHmmss'Z'")); name = 'Latest recovery point'
        time = (ConvertTo-VmdrTime -Value $stamp); at = $at; latest = $true
    }
}

function Set-VmdrFailoverIp {
    # the failover IPv4 settings of the VM's adapters from a re-IP plan [{index, action, ip, mask, gateway, dns}];
    # returns whether anything differs (and, without -WhatIf, was changed)
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object]$VM,
        [object[]]$Plan = @()
    )
    $changed = $false
    $nics = @(Get-VMNetworkAdapter -VM $VM)
    foreach ($entry in @($Plan)) {
        if ($entry.index -ge $nics.Count) { continue }
        $nic = $nics[$entry.index]
        $script:VmdrStep = 'set failover IP'
        $current = Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $nic
        $dns = @($entry.dns)
        if ($entry.action -eq 'dhcp') {
            if ($current.IPv4Address) {
                $changed = $true
                if ($PSCmdlet.ShouldProcess($VM.Name, $script:VmdrStep)) {
                    Set-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $nic -ClearFailoverIPv4Settings
                }
            }
            continue
        }
        $same = ($current.IPv4Address -eq $entry.ip) -and ($current.IPv4SubnetMask -eq $entry.mask)
        $same = $same -and ("$($current.IPv4DefaultGateway)" -eq "$($entry.gateway)")
        $same = $same -and ("$($current.IPv4PreferredDNSServer)" -eq "$($dns[0])")
        if ($same) { continue }
        $changed = $true
        if ($PSCmdlet.ShouldProcess($VM.Name, $script:VmdrStep)) {
            $splat = @{ VMNetworkAdapter = $nic; IPv4Address = $entry.ip; IPv4SubnetMask = $entry.mask }
            if ($entry.gateway) { $splat.IPv4DefaultGateway = $entry.gateway }
            if ($dns.Count -gt 0 -and $dns[0]) { $splat.IPv4PreferredDNSServer = $dns[0] }
            if ($dns.Count -gt 1 -and $dns[1]) { $splat.IPv4AlternateDNSServer = $dns[1] }
            Set-VMNetworkAdapterFailoverConfiguration @splat
        }
    }
    return $changed
}

function Set-VmdrSwitch {
    # connects the VM's adapters to switches [{index, switch}], or with -Test sets their test failover switch;
    # returns whether anything differs (and, without -WhatIf, was changed)
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object]$VM,
        [object[]]$Map = @(),
        [switch]$Test
    )
    $changed = $false
    $nics = @(Get-VMNetworkAdapter -VM $VM)
    foreach ($entry in @($Map)) {
        if ($entry.index -ge $nics.Count) { continue }
        $nic = $nics[$entry.index]
        if ($Test) {
            $script:VmdrStep = 'set test switch'
            if ($nic.TestReplicaSwitchName -eq $entry.switch) { continue }
            $changed = $true
            if ($PSCmdlet.ShouldProcess($VM.Name, $script:VmdrStep)) {
                Set-VMNetworkAdapter -VMNetworkAdapter $nic -TestReplicaSwitchName $entry.switch
            }
        }
        else {
            $script:VmdrStep = 'connect network'
            if ($nic.SwitchName -eq $entry.switch) { continue }
            $changed = $true
            if ($PSCmdlet.ShouldProcess($VM.Name, $script:VmdrStep)) {
                Connect-VMNetworkAdapter -VMNetworkAdapter $nic -SwitchName $entry.switch
            }
        }
    }
    return $changed
}
