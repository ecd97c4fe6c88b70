<#
.SYNOPSIS
Makes this host accept replication from a peer (Kerberos), for enable and for reverse replication; then its facts.

.PARAMETER Peer
The host name of the primary server to authorize.

.PARAMETER TrustGroup
The trust group of a new authorization entry.

.NOTES
Constant: SERVER_ENSURE
ReadOnly: false
#>
function Enable-ReplicaServer {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [string]$Peer,
        [string]$TrustGroup
    )
    $script:VmdrStep = 'configure replica server'
    $s = Get-VMReplicationServer
    $changed = $false
    $storage = $s.DefaultStorageLocation
    if (-not $storage) { $storage = 'C:\Hyper-V Replica' }
    if (-not $s.ReplicationEnabled) {
        $changed = $true
        if ($PSCmdlet.ShouldProcess($env:COMPUTERNAME, 'enable the replica server')) {
            $splat = @{ ReplicationEnabled = $true; AllowedAuthenticationType = 'Kerberos'; ReplicationAllowedFromAnyServer = $false
                DefaultStorageLocation = $storage; Force = $true
            }
            Set-VMReplicationServer @splat
        }
    }
    if (-not $s.ReplicationAllowedFromAnyServer) {
        $known = @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue |
                Where-Object { $_.AllowedPrimaryServer -eq $Peer -or $_.AllowedPrimaryServer -eq '*' })
        if ($known.Count -eq 0) {
            $changed = $true
            if ($PSCmdlet.ShouldProcess($env:COMPUTERNAME, 'authorize primary server')) {
                New-VMReplicationAuthorizationEntry -AllowedPrimaryServer $Peer -ReplicaStorageLocation $storage -TrustGroup $TrustGroup | Out-Null
            }
        }
    }
    $facts = Get-VmdrHostConfiguration
    $facts.changed = $changed
    # under -WhatIf the facts show the server unchanged: report the Kerberos it would allow
    if ($changed -and $WhatIfPreference) { $facts.auth = 1 }
    [ordered]@{ changed = $changed; facts = $facts }
}
