# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication relationships on vSphere: enable, pause and remove (replica_enable). The initial copy is made by
sync.py; replica_info is info.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import uuid

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    disk_support, metadata, placement as placement_mod, recovery, sync as sync_mod, vm_spec)

try:
    from pyVmomi import vim
except ImportError:
    pass


def source_networks(props, inventory):
    by_key = dict((n["key"], name) for name, n in inventory.networks().items() if n["key"])
    return [(nic["index"], vm_spec.network_name_of_backing(nic["backing"], by_key))
            for nic in vm_spec.nics_of(props.get("config.hardware.device"))]


def _apply_extra(p, site, jobs, batch, step):
    """jobs: [(label, vm object, {key: value or None})] -> ReconfigVM with extraConfig only."""
    runner_jobs = [(label, _reconfig(vm, metadata.option_values(changes))) for label, vm, changes in jobs]
    for label, outcome in p.runner(site).run(runner_jobs).items():
        if not outcome.ok:
            batch.fail(label, recovery.task_error(outcome, site.name, step))


def _reconfig(vm, options):
    return lambda: vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(extraConfig=options))


def _destroy(vm, power_state):
    def job():
        if power_state == "poweredOn":
            vm.PowerOffVM_Task()
        return vm.Destroy_Task()
    return job


def enable(p, refs, state, policy_params, placement_names, initial, network_map, delete_replica):
    source, target = p.site("source"), p.site("target")
    src_inv, tgt_inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    problems = Problems()
    found, errors = src_inv.resolve_each(refs, paths=vm_spec.HARDWARE_PATHS + ["snapshot"])
    problems.extend(errors)
    tgt_vms = tgt_inv.vms()
    replicas = dict((pair, recs[0]) for pair, recs in tgt_inv.by_record(tgt_vms).items())
    tgt_by_name = {}
    for rec in tgt_vms:
        tgt_by_name.setdefault(rec.name, []).append(rec)
    nmap = NetworkMap.from_params(network_map)
    placement, default_placement = None, []
    if state == "present" and placement_names:
        placement = problems.check(placement_mod.resolve, tgt_inv, placement_names, site=target.name)
    target_nets = tgt_inv.networks()

    plans = {}
    for ref in refs:
        if ref.label not in found:
            continue
        label, src = ref.label, found[ref.label]
        rec = src.record
        policy = None
        if state != "absent":
            policy = problems.check(ReplicationPolicy.from_params, policy_params if policy_params is not None
                                    else (rec or {}).get("policy"), "vsphere", vm=label, site=source.name)
            if policy is None:
                continue
        if state == "present" and placement_names and placement is None:
            continue  # the placement is refused already
        place = placement
        if state == "present" and place is None and not (rec or {}).get("placement"):
            if not default_placement:
                default_placement.append(problems.check(placement_mod.resolve, tgt_inv, {}, vm=label,
                                                        site=target.name))
            place = default_placement[0]
            if place is None:
                continue
        plan = problems.check(_plan_enable, label, src, rec, state, policy, place, initial, nmap, target,
                              src_inv, target_nets, replicas, tgt_by_name, vm=label)
        if plan is not None:
            plans[label] = plan
    problems.extend(disk_support.problems_of(source, dict(
        (label, found[label]) for label, plan in plans.items() if plan.get("initial_copy"))))
    problems.refuse()

    for label, plan in plans.items():
        result = batch[label]
        result.before, result.after, result.changed = plan["before"], plan["after"], plan["changed"]
        result.details["replica"] = plan["replica"].summary() if plan.get("replica") else None
    if p.check_mode:
        return batch

    source_jobs = [(label, found[label].obj, {metadata.REPLICATION_KEY: plan["record"]})
                   for label, plan in plans.items() if plan["record_changed"]]
    _apply_extra(p, source, source_jobs, batch, "record replication on source VM")

    seed_jobs = [(label, plan["seed"].obj, {metadata.REPLICATION_KEY: plan["seed_record"]})
                 for label, plan in plans.items() if plan.get("seed_record") and not batch[label].failed]
    _apply_extra(p, target, seed_jobs, batch, "adopt seed replica")

    if state == "absent":
        untag = [(label, plan["replica"].obj, {metadata.REPLICATION_KEY: None}) for label, plan in plans.items()
                 if plan.get("replica") is not None and not delete_replica and not batch[label].failed]
        _apply_extra(p, target, untag, batch, "remove replica record")
        destroy = [(label, _destroy(plan["replica"].obj, plan["replica"].power_state))
                   for label, plan in plans.items()
                   if plan.get("replica") is not None and delete_replica and not batch[label].failed]
        for label, outcome in p.runner(target).run(destroy).items():
            if not outcome.ok:
                batch.fail(label, recovery.task_error(outcome, target.name, "delete replica"))

    initial_items = dict((label, (found[label], plans[label]["record"], None)) for label in plans
                         if plans[label].get("initial_copy") and not batch[label].failed)
    for label, gen in sync_mod.sync_groups(p, source, target, batch, initial_items).items():
        batch[label].details["recovery_point"] = sync_mod.gen_view(gen)
    return batch


def _plan_enable(label, src, rec, state, policy, placement, initial, nmap, target, src_inv, target_nets, replicas,
                 tgt_by_name):
    if rec and rec.get("role") != metadata.ROLE_SOURCE:
        raise InputError("the VM is a %s of an earlier failover, not a replication source" % rec.get("role"),
                         vm=label, site=src_inv.site.name, step="plan replication",
                         hint="Use failover mode=reverse to replicate it back")
    if rec and rec.get("peer_site") != target.instance_uuid:
        raise InputError("the VM already replicates to another vCenter (%s)" % rec.get("peer_site"), vm=label,
                         site=src_inv.site.name, step="plan replication",
                         hint="Remove that replication first (state=absent against that target)")
    before = metadata.public_view(rec)
    replica = replicas.get(rec["pair"]) if rec else None
    plan = {"before": before, "replica": replica, "record_changed": False}
    if state == "absent":
        plan.update(after=None, changed=rec is not None, record=None, record_changed=rec is not None)
        return plan
    if state == "paused" and not rec:
        raise InputError("the VM is not replicated, so it cannot be paused", vm=label, site=src_inv.site.name,
                         step="plan replication", hint="Enable it with state=present first")
    networks = {}
    for index, net in source_networks(src.props, src_inv):
        mapped = nmap.live.get(net) or (rec or {}).get("networks", {}).get(net) or (net if net in target_nets else None)
        if not mapped:
            raise InputError("NIC %d is on source network '%s', which is not mapped to a recovery network"
                             % (index, net), vm=label, site=target.name, step="map networks",
                             hint="Add '%s: <recovery network>' to network_map.live" % net)
        if mapped not in target_nets:
            raise InputError("recovery network '%s' does not exist" % mapped, vm=label, site=target.name,
                             step="map networks", hint="Known networks: %s" % ", ".join(sorted(target_nets)))
        networks[net] = mapped
    record = {"role": metadata.ROLE_SOURCE, "pair": rec["pair"] if rec else str(uuid.uuid4()),
              "peer_site": target.instance_uuid, "peer_name": target.name,
              "state": "paused" if state == "paused" else "enabled",
              "policy": policy.as_dict(),
              "placement": placement.names if placement is not None else (rec or {}).get("placement", {}),
              "networks": networks}
    if nmap.test is not None or (rec or {}).get("test_network") is not None:
        record["test_network"] = nmap.test if nmap.test is not None else rec.get("test_network")
    current = dict((k, v) for k, v in (rec or {}).items() if k != "v")
    plan["record"] = record
    plan["record_changed"] = current != json.loads(json.dumps(record))
    plan["after"] = metadata.public_view(record)
    if state == "present" and replica is None:
        if initial == "now":
            plan["initial_copy"] = True
        elif initial == "seed":
            seed = _seed_candidate(label, src, tgt_by_name, target)
            plan["seed"] = seed
            plan["seed_record"] = {"role": metadata.ROLE_REPLICA, "pair": record["pair"],
                                   "peer_site": src_inv.site.instance_uuid, "peer_name": src.name,
                                   "peer_vm": src.instance_uuid, "policy": record["policy"], "generations": [],
                                   "nics": [], "hostname": src.props.get("guest.hostName") or src.name,
                                   "seeded": True}
    plan["changed"] = plan["record_changed"] or bool(plan.get("initial_copy")) or bool(plan.get("seed_record"))
    return plan


def _seed_candidate(label, src, tgt_by_name, target):
    hits = tgt_by_name.get(src.name) or []
    if len(hits) != 1:
        raise InputError("initial_replication=seed needs exactly one VM named '%s' at the recovery site, found %d"
                         % (src.name, len(hits)), vm=label, site=target.name, step="adopt seed replica",
                         hint="Copy the VM there first (for example from a backup) or use initial_replication=now")
    seed = hits[0]
    if seed.record:
        raise InputError("the seed VM is already part of a replication", vm=label, site=target.name,
                         step="adopt seed replica")
    if seed.power_state != "poweredOff":
        raise InputError("the seed VM is powered on", vm=label, site=target.name, step="adopt seed replica",
                         hint="Power it off; a replica must stay off until failover")
    return seed
