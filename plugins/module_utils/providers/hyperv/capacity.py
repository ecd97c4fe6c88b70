# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Hyper-V recovery hosts have room for, and which IPv4 addresses are in use there (read-only).

``recovery_site(provider, refs)`` gives the same shape as the vSphere provider's: the vCPUs, memory and disk
capacity the source VMs of ``refs`` need (one command per source host holding them), and per recovery host
(one command each) its logical processors, memory, free memory, the free space of the volume that holds its
replica storage, the vCPUs of its running VMs and the guest IPv4 addresses of its running VMs other than ``refs``.
The steps are NEEDS (Measure-VMRequirement.ps1) and ROOM (Measure-HostCapacity.ps1); VM and host names travel as
their parameters, never as script text.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts

MB = 1024 * 1024
GB = 1024 * MB


def needs(provider, refs, entries):
    """vCPUs, memory and disk capacity of the source VMs of ``refs``; None without VMs or source site."""
    if not refs or provider.site("source", required=False) is None:
        return None
    data, dummy = inventory.optional_run(provider, "source", "read needs", scripts.NEEDS,
                                         {"vms": entries, "check": True})
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
    return [(host, host.run("read recovery site", scripts.ROOM, payload)[0]) for host in site.hosts]


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
