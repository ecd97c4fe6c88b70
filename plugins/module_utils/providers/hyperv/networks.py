# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""network_map on Hyper-V: which switch of the recovery host each replica NIC is connected to (live) or its test VM
gets (Set-VMNetworkAdapter -TestReplicaSwitchName), checked before anything changes. External switches reach a
physical network, so they are refused as test networks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts

STEP = "map networks"


def switch_plan(label, nics, network_map, mode, target_switches, site, same_name_ok=False):
    """[{index, switch}] for the replica's NICs (``nics`` of the source as READ returns them); InputError when a
    network is not mapped, its switch is missing at the recovery host, or a test switch is External."""
    plan = []
    for nic in nics or []:
        source = nic.get("switch")
        if not source:
            continue
        if mode == "live" and same_name_ok and source not in network_map.live:
            target = source
            if target not in target_switches:
                raise InputError("source network '%s' is not mapped and no switch of that name exists at the "
                                 "recovery site" % source, vm=label, site=site, step=STEP,
                                 hint="Add '%s: <recovery switch>' to network_map.live" % source)
        else:
            target = network_map.target_for(source, mode, vm=label, site=site)
        if target not in target_switches:
            raise InputError("switch '%s' does not exist on the recovery host" % target, vm=label, site=site,
                             step=STEP, hint="Create the virtual switch or fix network_map")
        if mode == "test" and target_switches[target] == "External":
            raise InputError("test switch '%s' is External and reaches a physical network" % target, vm=label,
                             site=site, step=STEP, hint="Use a Private or Internal switch for test failovers")
        plan.append({"index": nic["index"], "switch": target})
    return plan


def replica_switch_plan(label, nics, network_map, target_switches, site):
    """[{index, switch}] for the replica's NICs as READ returns them, when its source cannot be read (an unplanned
    failover with the protected site lost): a NIC on a recovery switch of network_map.live stays there, one on a
    switch named like a mapped source network moves to its recovery switch; any other NIC's source network is
    unknown, an InputError."""
    recovery = set(network_map.live.values())
    plan = []
    for nic in nics or []:
        current = nic.get("switch")
        if current in recovery:
            target = current
        elif current in network_map.live:
            target = network_map.live[current]
        else:
            where = "on switch '%s', which network_map.live does not name," % current if current else "not connected"
            raise InputError("NIC %s of the replica is %s and the source VM could not be read, so its source network "
                             "is unknown" % (nic["index"], where), vm=label, site=site, step=STEP,
                             hint="Connect the replica's NICs while the source site is up (network_map with "
                                  "replica_enable or the network_map module), or fail over without network_map")
        if target not in target_switches:
            raise InputError("switch '%s' does not exist on the recovery host" % target, vm=label, site=site,
                             step=STEP, hint="Create the virtual switch or fix network_map")
        plan.append({"index": nic["index"], "switch": target})
    return plan


def staged_test_problem(label, nics, target_switches, site):
    """Without network_map.test, the test switch staged on each connected replica NIC must be there and isolated."""
    for nic in nics or []:
        staged = nic.get("test_switch")
        if not staged and nic.get("switch"):
            return InputError("no test network is staged for NIC %s and none was given" % nic["index"], vm=label,
                              site=site, step=STEP,
                              hint="Set network_map.test, or stage one with the network_map module")
        if staged and target_switches.get(staged) == "External":
            return InputError("staged test switch '%s' is External" % staged, vm=label, site=site, step=STEP,
                              hint="Use a Private or Internal switch for test failovers")
    return None


def map_networks(p, refs, network_map, mode):
    batch = Batch([r.label for r in refs])
    problems = Problems()
    nmap = problems.check(NetworkMap.from_params, network_map)
    if nmap is not None and mode == "test":
        problems.check(nmap.check_test_apart_from_live)
    problems.refuse()
    todo = inventory.entries(p, batch, refs)
    read = inventory.read_checked(p, "source", todo, problems)
    placed = inventory.locate_checked(p, "target", [e for e in todo if e["label"] in read], problems)
    plans = {}
    for label in sorted(e["label"] for e in placed):
        site = p.host_of("target", label).name
        switches = problems.check(inventory.switches, p, "target", label, vm=label, site=site)
        if switches is not None:
            plan = problems.check(switch_plan, label, read[label].get("nics"), nmap, mode, switches, site)
            if plan is not None:
                plans[label] = plan
    problems.refuse()
    return apply_replica_network(p, batch, refs, plans, "live" if mode == "live" else "test", STEP)


def apply_replica_network(p, batch, refs, plans, key, step):
    """REPLICA_NETWORK for ``plans`` ({label: plan}) under ``key`` (live, test or reip); before/after per VM."""
    todo = []
    for entry in inventory.entries(p, batch, refs, set(plans)):
        entry[key] = plans[entry["label"]]
        todo.append(entry)
    if not todo:
        return batch
    done, dummy = inventory.run_grouped(p, batch, refs, "target", step, scripts.REPLICA_NETWORK, {}, todo)
    for label, got in done.items():
        item = batch[label]
        item.changed = bool(got.get("changed"))
        before, after = got.get("before") or {}, got.get("after") or {}
        if key == "reip":
            item.before = {"failover_ip": [n.get("failover_ip") for n in before.get("nics") or []]}
            item.after = {"failover_ip": [n.get("failover_ip") for n in after.get("nics") or []]}
            if p.check_mode:
                item.after = {"failover_ip": [{"ip": n.get("ip"), "mask": n.get("mask"), "gateway": n.get("gateway"),
                                               "dns": (n.get("dns") or [None])[0]} for n in plans[label]]}
            continue
        field = "switch" if key == "live" else "test_switch"
        planned = dict((n["index"], n["switch"]) for n in plans[label])
        item.before = {"networks": [{"index": n["index"], "network": n.get(field)} for n in before.get("nics") or []]}
        item.after = {"networks": [{"index": n["index"], "network": planned.get(n["index"], n.get(field))
                                    if p.check_mode else n.get(field)} for n in after.get("nics") or []]}
        item.details["networks"] = item.after["networks"]
    return batch
