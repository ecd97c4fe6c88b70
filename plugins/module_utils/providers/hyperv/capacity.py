# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Hyper-V recovery hosts have room for, and which IPv4 addresses are in use there (read-only).

``recovery_site(provider, refs)`` gives the same shape as the vSphere provider's: the vCPUs, memory and disk
capacity the source VMs of ``refs`` need (one command per source host holding them), and per recovery host
(one command each) its logical processors, memory, free memory, the free space of the volume that holds its
replica storage, the vCPUs of its running VMs and the guest IPv4 addresses of its running VMs other than ``refs``.
VM names travel as data in ``$in``; nothing a user gives is put into the script text.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MB = 1024 * 1024
GB = 1024 * MB

# source host: what each VM of $in.vms needs (VMs not found there fail alone and are left out)
NEEDS = r"""
$data = Invoke-VmdrEach $in.vms {
    param($ref)
    $vm = Get-VmdrVM $ref
    $script:VmdrStep = 'read virtual disks'
    $bytes = 0
    foreach ($d in @($vm.HardDrives)) {
        # a pass-through disk (DiskNumber set) has no VHD to measure
        if ($null -eq $d.DiskNumber) { $bytes += (Get-VHD -Path $d.Path).Size }
    }
    [ordered]@{ name = [string]$vm.Name; vcpus = [int]$vm.ProcessorCount; memory_bytes = $vm.MemoryStartup
        disk_bytes = $bytes }
}
$data = [ordered]@{ vms = $data }
"""

# recovery host: processors, memory, replica volume, running VMs' vCPUs and IPv4 addresses
ROOM = r"""
$script:VmdrStep = 'read host capacity'
$h = Get-VMHost
$free = 0
foreach ($n in @(Get-VMHostNumaNode)) { $free += $n.MemoryAvailable }
$storage = (Get-VMReplicationServer).DefaultStorageLocation
foreach ($e in @(Get-VMReplicationAuthorizationEntry -ErrorAction SilentlyContinue)) {
    if ((@($in.peers) -contains $e.AllowedPrimaryServer) -and $e.ReplicaStorageLocation) { $storage = $e.ReplicaStorageLocation; break }
}
# a local drive: its volume; a share (\\server\share) is not read, its free space stays unknown
$volume = [ordered]@{ path = [string]$storage; free_bytes = $null; size_bytes = $null }
if ($storage -match '^[A-Za-z]:') {
    $v = Get-Volume -DriveLetter $storage.Substring(0, 1)
    $volume.free_bytes = $v.SizeRemaining
    $volume.size_bytes = $v.Size
}
$script:VmdrStep = 'read running VMs'
$own = @{}
foreach ($n in @($in.own)) { $own[[string]$n] = $true }
$running = @(Get-VM | Where-Object { "$($_.State)" -eq 'Running' })
$vcpus = 0
foreach ($vm in $running) { $vcpus += $vm.ProcessorCount }
$addresses = @()
if ($running.Count -gt 0) {
    foreach ($a in @(Get-VMNetworkAdapter -VM $running)) {
        if ($own.ContainsKey([string]$a.VMName)) { continue }
        foreach ($ip in @($a.IPAddresses)) {
            if ("$ip" -match '^\d{1,3}(\.\d{1,3}){3}$') { $addresses += , ([ordered]@{ vm = [string]$a.VMName; ip = "$ip" }) }
        }
    }
}
$data = [ordered]@{ cores = [int]$h.LogicalProcessorCount; memory_bytes = $h.MemoryCapacity; memory_free_mb = $free
    volume = $volume; running_vcpus = $vcpus; addresses = @($addresses) }
"""


def needs(provider, refs, entries):
    """vCPUs, memory and disk capacity of the source VMs of ``refs``; None without VMs or source site."""
    if not refs or provider.site("source", required=False) is None:
        return None
    data, dummy = provider.optional_run("source", "read needs", NEEDS, {"vms": entries, "check": True})
    items = (data or {}).get("vms") or []
    labels = dict((entry["i"], entry["label"]) for entry in entries)
    for item in items:
        if not item.get("ok"):
            provider.warn("VM '%s': what it needs could not be read at the source site (%s, step %s); the capacity "
                          "check leaves it out" % (labels.get(item.get("i")), (item.get("error") or {}).get("message"),
                                                   item.get("step")))
    rows = [item.get("data") or {} for item in items if item.get("ok")]
    vcpus = [row.get("vcpus") or 0 for row in rows]
    return {"vms": sorted(row.get("name") for row in rows), "vcpus": sum(vcpus), "largest_vcpus": max(vcpus or [0]),
            "memory_mb": sum((row.get("memory_bytes") or 0) // MB for row in rows),
            "storage_gb": round(sum(row.get("disk_bytes") or 0 for row in rows) / float(GB), 2)}


def room(site, own, peers):
    """One read per recovery host: [(host, facts)]."""
    payload = {"own": sorted(own), "peers": sorted(peers), "check": True}
    return [(host, host.run("read recovery site", ROOM, payload)[0]) for host in site.hosts]


def _gb(volume):
    """Free GB of a replica volume; None when unknown (storage on a share)."""
    free = volume.get("free_bytes")
    return None if free is None else round(free / float(GB), 2)


def recovery_site(provider, refs, entries):
    site = provider.site("target")
    source = provider.site("source", required=False)
    own = set(ref.name for ref in refs if ref.name)
    hosts = room(site, own, [h.hostname for h in source.hosts] if source else [])
    volumes = [{"name": "%s %s" % (host.hostname, facts["volume"]["path"]), "free_gb": _gb(facts["volume"])}
               for host, facts in hosts if facts.get("volume")]
    return {
        "site": site.hosts[0].name,
        "needs": needs(provider, refs, entries),
        "capacity": {
            "hosts": len(hosts),
            "cores": sum(facts.get("cores") or 0 for dummy, facts in hosts),
            "largest_host_cores": max([facts.get("cores") or 0 for dummy, facts in hosts] or [0]),
            "running_vcpus": sum(facts.get("running_vcpus") or 0 for dummy, facts in hosts),
            "memory_mb": sum((facts.get("memory_bytes") or 0) // MB for dummy, facts in hosts),
            "memory_free_mb": sum(facts.get("memory_free_mb") or 0 for dummy, facts in hosts),
            "datastores": sorted(volumes, key=lambda d: d["name"]),
        },
        "addresses": sorted((dict(entry) for dummy, facts in hosts for entry in facts.get("addresses") or []),
                            key=lambda e: (e["vm"], e["ip"])),
    }
