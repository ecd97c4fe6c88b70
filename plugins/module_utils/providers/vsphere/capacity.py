# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the recovery site has room for, and which addresses are in use there (read-only, one bulk read each).

``recovery_site(provider, refs)`` returns the facts the preflight compares with a plan: the CPU, memory and
storage the VMs of ``refs`` need (read at the source site), what the recovery site's hosts and datastores have,
and the guest addresses of the running VMs at the recovery site that are not VMs of ``refs``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_view

try:
    from pyVmomi import vim
except ImportError:
    pass

MB = 1024 * 1024
GB = 1024 * MB
NEEDS = ["config.hardware.numCPU", "config.hardware.memoryMB", "config.hardware.device"]
HOST_PATHS = ["summary.hardware.numCpuCores", "summary.hardware.memorySize", "summary.quickStats.overallMemoryUsage",
              "runtime.connectionState", "runtime.inMaintenanceMode"]
RUNNING_PATHS = ["name", "runtime.powerState", "config.hardware.numCPU", "guest.ipAddress", "guest.net"]


def _names(refs):
    return set(ref.name for ref in refs if ref.name)


def needs(provider, refs):
    """vCPUs, memory and disk capacity of the source VMs of ``refs`` (VMs not found are left out)."""
    site = provider.site("source", required=False)
    if site is None or not refs:
        return None
    inventory = provider.inventory(site)
    wanted = _names(refs)
    records = [rec for rec in inventory.vms() if rec.name in wanted]
    inventory.load(records, NEEDS)
    vcpus = [rec.props.get("config.hardware.numCPU") or 0 for rec in records]
    disk_kb = sum(dev.capacityInKB for rec in records for dev in rec.props.get("config.hardware.device") or []
                  if isinstance(dev, vim.vm.device.VirtualDisk))
    return {"vms": sorted(rec.name for rec in records), "vcpus": sum(vcpus), "largest_vcpus": max(vcpus or [0]),
            "memory_mb": sum(rec.props.get("config.hardware.memoryMB") or 0 for rec in records),
            "storage_gb": round(disk_kb / float(MB), 2)}


def _addresses(props):
    found = set()
    if props.get("guest.ipAddress"):
        found.add(props["guest.ipAddress"])
    for nic in props.get("guest.net") or []:
        found.update(nic.ipAddress or [])
    return sorted(found)


def recovery_site(provider, refs):
    site = provider.site("target")
    dc = site.datacenter
    hosts = [props for dummy, props in retrieve_view(site.si, dc, vim.HostSystem, HOST_PATHS)
             if props.get("runtime.connectionState") == "connected" and not props.get("runtime.inMaintenanceMode")]
    stores = retrieve_view(site.si, dc, vim.Datastore, ["name", "summary.freeSpace", "summary.accessible"])
    running = [props for dummy, props in retrieve_view(site.si, dc, vim.VirtualMachine, RUNNING_PATHS)
               if props.get("runtime.powerState") == "poweredOn"]
    own = _names(refs)
    return {
        "site": site.name,
        "needs": needs(provider, refs),
        "capacity": {
            "hosts": len(hosts),
            "cores": sum(h.get("summary.hardware.numCpuCores") or 0 for h in hosts),
            "largest_host_cores": max([h.get("summary.hardware.numCpuCores") or 0 for h in hosts] or [0]),
            "running_vcpus": sum(vm.get("config.hardware.numCPU") or 0 for vm in running),
            "memory_mb": sum((h.get("summary.hardware.memorySize") or 0) // MB for h in hosts),
            "memory_free_mb": sum(max(0, (h.get("summary.hardware.memorySize") or 0) // MB
                                      - (h.get("summary.quickStats.overallMemoryUsage") or 0)) for h in hosts),
            "datastores": sorted(({"name": p["name"],
                                   "free_gb": round((p.get("summary.freeSpace") or 0) / float(GB), 2)}
                                  for dummy, p in stores if p.get("summary.accessible", True)),
                                 key=lambda d: d["name"]),
        },
        "addresses": [{"vm": vm["name"], "ip": ip} for vm in sorted(running, key=lambda v: v["name"])
                      if vm["name"] not in own for ip in _addresses(vm)],
    }
