# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest side of a recovery: re-IP through guest customization, and readiness waits."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import re
import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects

try:
    from pyVmomi import vim
    import netaddr
except ImportError:
    pass

READY_PATHS = ["runtime.powerState", "guest.toolsRunningStatus", "guest.ipAddress", "guest.net"]


def plan_hash(nic_plans):
    return hashlib.sha256(json.dumps(nic_plans, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def host_name(text):
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", text or "").strip("-")[:63]
    return cleaned or "vmdr-recovered"


def customization_spec(nic_plans, hostname, windows=False):
    """One adapter mapping per NIC, in device order, as vSphere expects."""
    dns_servers = []
    suffixes = []
    mappings = []
    for plan in nic_plans:
        adapter = vim.vm.customization.IPSettings()
        if plan["action"] == "dhcp" or not plan.get("target_ip"):
            adapter.ip = vim.vm.customization.DhcpIpGenerator()
        else:
            if plan.get("target_prefix") is None:
                raise VmdrError("NIC %s: the prefix length of %s is unknown (the guest reported no IP configuration)"
                                % (plan["index"], plan["target_ip"]), step="build guest customization",
                                hint="Give this NIC an override with ip: address/prefix")
            adapter.ip = vim.vm.customization.FixedIp(ipAddress=plan["target_ip"])
            network = netaddr.IPNetwork("%s/%s" % (plan["target_ip"], plan["target_prefix"]))
            adapter.subnetMask = str(network.netmask)
            if plan.get("gateway"):
                adapter.gateway = [plan["gateway"]]
        if plan.get("dns"):
            adapter.dnsServerList = list(plan["dns"])
            dns_servers.extend(d for d in plan["dns"] if d not in dns_servers)
        if plan.get("dns_suffix"):
            adapter.dnsDomain = plan["dns_suffix"]
            if plan["dns_suffix"] not in suffixes:
                suffixes.append(plan["dns_suffix"])
        mappings.append(vim.vm.customization.AdapterMapping(adapter=adapter))
    name = vim.vm.customization.FixedName(name=host_name(hostname))
    if windows:
        identity = vim.vm.customization.Sysprep(
            guiUnattended=vim.vm.customization.GuiUnattended(autoLogon=False, autoLogonCount=0, timeZone=85),
            userData=vim.vm.customization.UserData(computerName=name, fullName="vmdr", orgName="vmdr",
                                                   productId=""),
            identification=vim.vm.customization.Identification(joinWorkgroup="WORKGROUP"))
    else:
        identity = vim.vm.customization.LinuxPrep(hostName=name, domain=(suffixes[0] if suffixes else "localdomain"))
    return vim.vm.customization.Specification(
        identity=identity, nicSettingMap=mappings,
        globalIPSettings=vim.vm.customization.GlobalIPSettings(dnsServerList=dns_servers, dnsSuffixList=suffixes))


def reported_ips(props):
    ips = set()
    for nic in props.get("guest.net") or []:
        ips.update(nic.ipAddress or [])
    if props.get("guest.ipAddress"):
        ips.add(props["guest.ipAddress"])
    return ips


def wait_ready(si, vms, expected_ips, timeout, need_ip=True, poll=0.5, started=None):
    """Wait until every VM is on, runs VMware Tools and reports its expected addresses.

    ``vms``: {label: vim.VirtualMachine}; ``expected_ips``: {label: set of addresses}.
    Returns {label: seconds to ready} for the ready ones and {label: last seen state} for the rest.
    One bulk read per poll for all VMs.
    """
    started = started or time.time()
    deadline = time.time() + timeout
    by_moid = dict((vm._moId, label) for label, vm in vms.items())
    ready, last = {}, {}
    while True:
        waiting = [vms[label] for label in vms if label not in ready]
        if not waiting:
            break
        for obj, props in retrieve_objects(si, waiting, READY_PATHS, obj_type=vim.VirtualMachine):
            label = by_moid[obj._moId]
            ips = reported_ips(props)
            last[label] = {"power_state": props.get("runtime.powerState"),
                           "tools": props.get("guest.toolsRunningStatus"), "ips": sorted(ips)}
            ok = (props.get("runtime.powerState") == "poweredOn"
                  and props.get("guest.toolsRunningStatus") == "guestToolsRunning")
            want = expected_ips.get(label) or set()
            if ok and want and not want <= ips:
                ok = False
            if ok and need_ip and not want and not ips:
                ok = False
            if ok:
                ready[label] = round(time.time() - started, 3)
        if len(ready) == len(vms) or time.time() >= deadline:
            break
        time.sleep(poll)
    not_ready = dict((label, last.get(label)) for label in vms if label not in ready)
    return ready, not_ready
