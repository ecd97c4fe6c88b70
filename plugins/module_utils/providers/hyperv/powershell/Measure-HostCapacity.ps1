<#
.SYNOPSIS
Recovery host: processors, memory, the replica volume, the vCPUs and IPv4 addresses of its running VMs.

.PARAMETER Own
Names of VMs whose addresses are left out (the replicas of the VMs being recovered).

.PARAMETER Peers
The primary servers whose authorization entry names the replica storage; else the server's default storage.

.NOTES
Constant: ROOM
ReadOnly: true
#>
function Measure-HostCapacity {
    [CmdletBinding()]
    param(
        [string[]]$Own = @(),
        [string[]]$Peers = @()
    )
    $script:VmdrStep = 'read host capacity'
    $h = Get-VMHost
    $free = 0
    foreach ($n in @(Get-VMHostNumaNode)) { $free += $n.MemoryAvailable }
    $storage = (Get-VMReplicationServer).DefaultStorageLocation
    foreach ($e in @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue)) {
        if ((@($Peers) -contains $e.AllowedPrimaryServer) -and $e.ReplicaStorageLocation) { $storage = $e.ReplicaStorageLocation; break }
    }
    # a local drive: its volume; a share (\\server\share) is not read, its free space stays unknown
    $volume = [ordered]@{ path = [string]$storage; free_bytes = $null; size_bytes = $null }
    if ($storage -match '^[A-Za-z]:') {
        $v = Get-Volume -DriveLetter $storage.Substring(0, 1)
        $volume.free_bytes = $v.SizeRemaining
        $volume.size_bytes = $v.Size
    }
    $script:VmdrStep = 'read running VMs'
    $ownNames = @{}
    foreach ($n in @($Own)) { $ownNames[[string]$n] = $true }
    $running = @(Get-VM | Where-Object { "$($_.State)" -eq 'Running' })
    $vcpus = 0
    foreach ($vm in $running) { $vcpus += $vm.ProcessorCount }
    $addresses = @()
    if ($running.Count -gt 0) {
        foreach ($a in @(Get-VMNetworkAdapter -VM $running)) {
            if ($ownNames.ContainsKey([string]$a.VMName)) { continue }
            foreach ($ip in @($a.IPAddresses)) {
                if ("$ip" -match '^\d{1,3}(\.\d{1,3}){3}$') { $addresses += , ([ordered]@{ vm = [string]$a.VMName; ip = "$ip" }) }
            }
        }
    }
    [ordered]@{ cores = [int]$h.LogicalProcessorCount; memory_bytes = $h.MemoryCapacity; memory_free_mb = $free
        volume = $volume; running_vcpus = $vcpus; addresses = @($addresses)
    }
}
