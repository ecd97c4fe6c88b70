# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest side of a recovery: re-IP through guest customization, and what the guest reports (addresses) for the
engine's readiness wait (power.poll_vms)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import ipaddress
import json
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

try:
    from pyVmomi import vim
except ImportError:
    pass

READY_PATHS = ["runtime.powerState", "guest.toolsRunningStatus", "guest.ipAddress", "guest.net"]


def plan_hash(nic_plans):
    return hashlib.sha256(json.dumps(nic_plans, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def host_name(text):
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", text or "").strip("-")[:63]
    return cleaned or "vmdr-recovered"


def subnet_mask(address, prefix):
    """The subnet mask of ``address/prefix`` (prefix as a length or a mask), as guest customization wants it."""
    return str(ipaddress.ip_network("%s/%s" % (address, prefix), strict=False).netmask)


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
            adapter.subnetMask = subnet_mask(plan["target_ip"], plan["target_prefix"])
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
