# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication relationships on vSphere: enable/pause/remove, sync, and the bulk status read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    metadata, placement as placement_mod, vm_spec)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import (
    CopyEngine, utcnow, parse_iso)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.inventory import INFO_PATHS

try:
    from pyVmomi import vim
except ImportError:
    pass


def raise_all(errors):
    """Refuse the whole call, naming every bad VM, before anything changed."""
    if errors:
        first = errors[0]
        if len(errors) == 1:
            raise first
        raise InputError("%d VMs refused: %s" % (len(errors), "; ".join(str(e) for e in errors)), vm=first.vm,
                         site=first.site, step=first.step)


def latest_generation(record):
    gens = (record or {}).get("generations") or []
    return gens[-1] if gens else None


def rpo_status(source_record, replica_record, now=None):
    now = now or utcnow()
    policy = (source_record or replica_record or {}).get("policy") or {}
    latest = latest_generation(replica_record)
    rpo_seconds = int(float(policy.get("rpo") or 0) * 60)
    if latest is None:
        return {"rpo_seconds": rpo_seconds, "age_seconds": None, "rpo_compliant": False}
    age = int((now - parse_iso(latest["time"])).total_seconds())
    return {"rpo_seconds": rpo_seconds, "age_seconds": age, "rpo_compliant": age <= rpo_seconds}


def source_networks(props, inventory):
    by_key = dict((n["key"], name) for name, n in inventory.networks().items() if n["key"])
    return [(nic["index"], vm_spec.network_name_of_backing(nic["backing"], by_key))
            for nic in vm_spec.nics_of(props.get("config.hardware.device"))]


def _apply_extra(p, site, jobs, batch, step):
    """jobs: [(label, vm object, {key: value or None})] -> ReconfigVM with extraConfig only."""
    runner_jobs = [(label, _reconfig(vm, metadata.option_values(changes))) for label, vm, changes in jobs]
    for label, outcome in p.runner(site).run(runner_jobs).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, site.name, step)


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
    found = src_inv.resolve(refs, paths=vm_spec.HARDWARE_PATHS)
    tgt_vms = tgt_inv.vms()
    replicas = dict((pair, recs[0]) for pair, recs in tgt_inv.by_record(tgt_vms).items())
    tgt_by_name = {}
    for rec in tgt_vms:
        tgt_by_name.setdefault(rec.name, []).append(rec)
    nmap = NetworkMap.from_params(network_map)
    placement = placement_mod.resolve(tgt_inv, placement_names) if state == "present" and placement_names else None
    target_nets = tgt_inv.networks()

    errors, plans = [], {}
    for ref in refs:
        label, src = ref.label, found[ref.label]
        rec = src.record
        try:
            policy = None
            if state != "absent":
                policy = ReplicationPolicy.from_params(
                    policy_params if policy_params is not None else (rec or {}).get("policy"), "vsphere", vm=label)
            if state == "present" and placement is None and not (rec or {}).get("placement"):
                placement = placement_mod.resolve(tgt_inv, {})
            plans[label] = _plan_enable(label, src, rec, state, policy, placement, initial, nmap, target,
                                        src_inv, target_nets, replicas, tgt_by_name)
        except VmdrError as exc:
            errors.append(exc)
    raise_all(errors)

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
                batch.fail_outcome(label, outcome, target.name, "delete replica")

    initial_items = dict((label, (found[label], plans[label]["record"], None)) for label in plans
                         if plans[label].get("initial_copy") and not batch[label].failed)
    for label, gen in _sync_groups(p, source, target, batch, initial_items).items():
        batch[label].details["recovery_point"] = _gen_view(gen)
    return batch


def _sync_groups(p, source, target, batch, items):
    """Runs the copy engine once per replica placement; ``items``: {label: (source, record, replica)}."""
    groups = {}
    for label, (src, rec, replica) in items.items():
        groups.setdefault(json.dumps(rec.get("placement") or {}, sort_keys=True), {})[label] = (src, rec, replica)
    generations = {}
    for names, group in groups.items():
        placement = placement_mod.resolve(p.inventory(target), json.loads(names))
        generations.update(CopyEngine(p, source, target).sync(
            batch, dict((label, (src, rec)) for label, (src, rec, _r) in group.items()), placement,
            dict((label, r) for label, (_s, _rec, r) in group.items())))
    return generations


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


def sync(p, refs, when, wait_within_rpo):
    source, target = p.site("source"), p.site("target")
    src_inv, tgt_inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    found = src_inv.resolve(refs, paths=vm_spec.HARDWARE_PATHS + ["config.extraConfig"])
    replicas = dict((pair, recs[0]) for pair, recs in tgt_inv.by_record().items())
    now = utcnow()
    errors, due = [], {}
    for ref in refs:
        label, src = ref.label, found[ref.label]
        rec = src.record
        if not rec or rec.get("role") != metadata.ROLE_SOURCE:
            errors.append(InputError("the VM is not a replication source", vm=label, site=source.name,
                                     step="plan sync", hint="Enable replication with replica_enable first"))
            continue
        if rec.get("state") == "paused":
            errors.append(InputError("replication is paused", vm=label, site=source.name, step="plan sync",
                                     hint="Resume it with replica_enable state=present"))
            continue
        replica = replicas.get(rec["pair"])
        status = rpo_status(rec, replica.record if replica else None, now)
        before = {"latest_recovery_point": _gen_view(latest_generation(replica.record if replica else None)),
                  "age_seconds": status["age_seconds"], "rpo_compliant": status["rpo_compliant"]}
        batch[label].before = before
        batch[label].after = before
        batch[label].details["replica"] = replica.summary() if replica else None
        # half the RPO: a run scheduled every RPO/2 then keeps every VM within its RPO
        stale = status["age_seconds"] is None or status["age_seconds"] * 2 > status["rpo_seconds"]
        if when == "always" or stale:
            due[label] = (src, rec, replica)
    raise_all(errors)
    for label in due:
        batch[label].changed = True
        batch[label].after = {"latest_recovery_point": "(new)", "age_seconds": 0, "rpo_compliant": True}
    if p.check_mode or not due:
        return batch

    for label, gen in _sync_groups(p, source, target, batch, due).items():
        batch[label].after = {"latest_recovery_point": _gen_view(gen), "age_seconds": 0, "rpo_compliant": True}
        batch[label].details["recovery_point"] = _gen_view(gen)
    if wait_within_rpo:
        for label in batch.active():
            if batch[label].after and not batch[label].after.get("rpo_compliant"):
                batch.fail(label, VmdrError("the replica is outside its RPO", step="verify RPO", site=target.name))
    return batch


def _gen_view(gen):
    return {"id": gen["id"], "time": gen["time"], "quiesced": gen.get("quiesced")} if gen else None


def info(p, refs):
    """Relationship, last sync, RPO compliance and recovery points of every VM asked (or every replicated VM)."""
    source = p.site("source", required=False)
    target = p.site("target", required=False)
    if source is None and target is None:
        raise InputError("replica_info needs the source site, the target site, or both", step="connect")
    now = utcnow()
    # the two sites are read at once: each read is one bulk call whose wait overlaps the other's parsing
    invs = [p.inventory(site) if site else None for site in (source, target)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        src_vms, tgt_vms = pool.map(lambda inv: inv.vms(identity=INFO_PATHS) if inv is not None else [], invs)
    pairs = {}
    for rec in src_vms + tgt_vms:
        if rec.record and rec.record.get("pair"):
            side = "source" if rec.record.get("role") in (metadata.ROLE_SOURCE, metadata.ROLE_FAILED_OVER) \
                else "replica"
            pairs.setdefault(rec.record["pair"], {})[side] = rec
    tests = {}
    for rec in tgt_vms:
        if rec.test:
            tests.setdefault(rec.test.get("pair"), []).append(rec.summary())
    rows = []
    for pair, sides in pairs.items():
        src, rep = sides.get("source"), sides.get("replica")
        name = src.name if src else rep.record.get("peer_name") or rep.name
        status = rpo_status(src.record if src else None, rep.record if rep else None, now)
        state = (src.record.get("state") if src else None) or "unknown"
        role_state = (rep.record.get("role") if rep else None)
        health = "ok"
        if rep is None or not status["rpo_compliant"]:
            health = "critical"
        if state == "paused":
            health = "warning"
        if role_state == metadata.ROLE_PROMOTED:
            health = "failed_over"
        gens = (rep.record.get("generations") if rep else None) or []
        rows.append({"name": name, "pair": pair, "state": state, "health": health,
                     "source": dict(src.summary(), role=src.record.get("role")) if src else None,
                     "replica": dict(rep.summary(), role=rep.record.get("role")) if rep else None,
                     "policy": (src.record if src else rep.record).get("policy"),
                     "last_sync": rep.record.get("last_sync") if rep else None,
                     "recovery_points": [_gen_view(g) for g in reversed(gens)],
                     "rpo_seconds": status["rpo_seconds"], "age_seconds": status["age_seconds"],
                     "rpo_compliant": status["rpo_compliant"], "test_vms": tests.get(pair, []),
                     "failover": rep.record.get("failover") if rep else None})
    if refs:
        wanted = set(r.label for r in refs)
        by_id = {}
        for row in rows:
            for key in (row["name"], (row["source"] or {}).get("moid"), (row["source"] or {}).get("instance_uuid")):
                if key:
                    by_id[key] = row
        missing = sorted(w for w in wanted if w not in by_id)
        if missing:
            raise InputError("not replicated (no replication record at either site): %s" % ", ".join(missing),
                             vm=missing[0], step="read replication status",
                             hint="Check the name, or enable replication with replica_enable")
        rows = [by_id[r.label] for r in refs]
    return sorted(rows, key=lambda r: r["name"]) if not refs else rows
