# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-IP on Hyper-V: the shared planner (plan/reip.py) and overlap check (plan/addresses.py) turn the source
guests' IPv4 addresses into a plan, staged as the replica NICs' failover TCP/IP settings
(Set-VMNetworkAdapterFailoverConfiguration). Hyper-V applies them when the failed-over VM's guest boots and its KVP
component connects, so a failover must read the guest's addresses to know it happened (power.poll_ready): the
addresses of its own re-IP, else those staged here by an earlier call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan import addresses
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, networks, settings

PLAN_STEP = addresses.PLAN_STEP
PROMISED = ("translate", "override", "keep")


def planner_nics(nics):
    """The planner's NIC list from READ's NICs: the first IPv4 address each source NIC reports (no prefix)."""
    return [{"index": nic["index"], "network": nic.get("switch"), "ip": (nic.get("ips") or [None])[0],
             "prefix": None} for nic in nics or []]


def hyperv_plan(label, entries, site):
    """The failover TCP/IP settings of one VM from the planner's ``entries`` (InputError when Hyper-V cannot take
    them: IPv6, or a prefix length nobody knows)."""
    out = []
    for entry in entries:
        if entry["action"] == "dhcp":
            out.append({"index": entry["index"], "action": "dhcp"})
            continue
        if ":" in (entry.get("target_ip") or ""):
            raise InputError("IPv6 re-IP is not supported by the hyperv provider yet", vm=label, site=site,
                             step=PLAN_STEP)
        if entry.get("target_prefix") is None:
            raise InputError("NIC %s: the prefix length is unknown" % entry["index"], vm=label, site=site,
                             step=PLAN_STEP, hint="Give the VM an override with ip: address/prefix")
        out.append({"index": entry["index"], "action": entry["action"], "ip": entry["target_ip"],
                    "mask": settings.netmask(entry["target_prefix"]), "gateway": entry.get("gateway"),
                    "dns": list(entry.get("dns") or [])})
    return out


def plans(planner, labels, nics_by_label, problems, site_of):
    """({label: Hyper-V plan}, {label: planner entries}) for the VMs of ``nics_by_label`` ({label: READ NICs});
    every problem of every VM (overrides of VMs not in ``labels`` or for NICs a VM does not have, unmatched
    addresses, IPv6, addresses given twice over the call) goes to ``problems``."""
    hv, raw = {}, {}
    if planner is None:
        return hv, raw
    inputs = dict((label, planner_nics(nics)) for label, nics in nics_by_label.items())
    broken = set()
    for error in planner.override_errors(list(labels), inputs):
        broken.add(error.vm)
        problems.add(error, site=site_of(error.vm) if error.vm in inputs else None)
    for label in sorted(inputs):
        if label in broken:
            continue  # its override problems are listed; planning it again would list them twice
        entries = problems.check(planner.plan_vm, label, inputs[label], vm=label, site=site_of(label), step=PLAN_STEP)
        if entries is None:
            continue
        plan = problems.check(hyperv_plan, label, entries, site_of(label))
        if plan is not None:
            hv[label], raw[label] = plan, entries
    for error in addresses.overlap_errors(raw):
        problems.add(error, site=site_of(error.vm) if error.vm in raw else None)
    return hv, raw


def promised(entries, connected):
    """The addresses a re-IP promises the guest on the NICs (indexes) that will be connected to a network."""
    return sorted(set(e["target_ip"] for e in entries or [] if e.get("action") in PROMISED and e.get("target_ip")
                      and e["index"] in connected))


def staged(nics, connected):
    """The failover IPv4 addresses an earlier reip call staged (READ's ``failover_ip`` per NIC) on the NICs
    (indexes) that will be connected: what the guest takes when it boots after the failover."""
    return sorted(set(nic["failover_ip"]["ip"] for nic in nics or []
                      if (nic.get("failover_ip") or {}).get("ip") and nic.get("index") in connected))


def reip(p, refs, planner):
    batch = Batch([r.label for r in refs])
    problems = Problems()
    todo = inventory.entries(p, batch, refs)
    read = inventory.read_checked(p, "source", todo, problems)
    located = inventory.locate_checked(p, "target", [e for e in todo if e["label"] in read], problems)
    placed = set(e["label"] for e in located)
    hv, raw = plans(planner, [ref.label for ref in refs],
                    dict((label, data.get("nics")) for label, data in read.items() if label in placed), problems,
                    lambda label: p.host_of("source", label).name)
    problems.refuse()
    networks.apply_replica_network(p, batch, refs, hv, "reip", "set failover IP")
    for label in hv:
        if not batch[label].failed:
            # "nics" as the module documents it (and vSphere returns); "reip" kept for earlier callers
            batch[label].details["nics"] = batch[label].details["reip"] = raw[label]
    return batch
