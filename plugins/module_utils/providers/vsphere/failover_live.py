# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned and unplanned failover, and reverse replication, on vSphere.

Ordering guarantees: a replica is powered on only after its source was seen powered off (planned),
or after the caller accepted that the source could not be checked (unplanned). The source is fenced
by its record (role failed_over) before the replica starts, and every step is safe to rerun: a
rerun continues from the recorded roles instead of repeating a destructive step.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    metadata, recovery, guest, vm_spec)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.placement import Placement
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import (
    CopyEngine, utcnow, iso)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.replication import raise_all

try:
    from pyVmomi import vim
except ImportError:
    pass

SOURCE_PATHS = vm_spec.HARDWARE_PATHS + ["resourcePool", "parent", "datastore"]


def _replicas_by_pair(inv, roles):
    """Identity and records of every VM; callers read REPLICA_PATHS (``inv.load``) for the ones they use."""
    records = inv.vms()
    return dict((pair, recs[0]) for pair, recs in inv.by_record(records).items()
                if recs[0].record.get("role") in roles)


def _job(fn, *args, **kwargs):
    return lambda: fn(*args, **kwargs)


def promote(p, target, inv, batch, items, plans, settings, started, clock, mode):
    """Bring replicas into service: recovery point, live networks, re-IP, record, power on, readiness.

    ``items``: {label: {"replica": VmRecord, "gen": generation}}.
    """
    nmap = NetworkMap.from_params(settings.get("network_map"))
    runner = p.runner(target)
    reconfig, customize, expected = [], [], {}
    for label, item in items.items():
        rep, gen = item["replica"], item["gen"]
        devices = rep.props.get("config.hardware.device")
        current = vm_spec.disks_of(devices)
        changes = []
        if sorted(d["file"] for d in current) != sorted(d["file"] for d in gen["disks"]):
            geometry = dict((d["key"], d) for d in current)
            disks = []
            for index, disk in enumerate(gen["disks"]):
                base = geometry.get(disk["key"]) or (current[index] if index < len(current) else current[0])
                disks.append(dict(base, key=disk["key"]))
            changes += vm_spec.disk_changes(disks, dict((d["key"], d["file"]) for d in gen["disks"]),
                                            existing=current)
        nic_changes, report = recovery.nic_edits(devices, recovery.nic_targets(label, rep.record, nmap, "live", inv),
                                                 inv)
        changes += nic_changes
        batch[label].details["networks"] = [{"index": r["index"], "network": r["network"]} for r in report]
        record = dict(rep.record, role=metadata.ROLE_PROMOTED,
                      failover={"mode": mode, "time": iso(started), "generation": gen["id"],
                                "generation_time": gen["time"], "run_id": settings.get("run_id"),
                                "source_fenced": item.get("source_fenced", True)})
        nic_plans = plans.get(label)
        staged = rep.record.get("reip") or {}
        if nic_plans is not None and staged.get("hash") != guest.plan_hash(nic_plans):
            spec = guest.customization_spec(nic_plans, rep.record.get("hostname") or label,
                                            windows=recovery.is_windows(rep.record, rep.props))
            customize.append((label, _job(rep.obj.CustomizeVM_Task, spec=spec)))
            record["reip"] = {"hash": guest.plan_hash(nic_plans), "nics": nic_plans}
        effective = nic_plans if nic_plans is not None else staged.get("nics")
        expected[label] = recovery.expected_ips(effective) if effective else set()
        batch[label].details["reip"] = effective
        reconfig.append((label, recovery.reconfig_job(rep.obj, recovery.extra_spec(
            {metadata.REPLICATION_KEY: record}, changes))))
    for label, outcome in runner.run(reconfig).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, target.name, "prepare replica (recovery point, networks)")
    for label, outcome in runner.run([j for j in customize if not batch[j[0]].failed]).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, target.name, "apply re-IP by guest customization")
    vms = dict((label, items[label]["replica"].obj) for label in items if not batch[label].failed)
    if settings.get("power_on", True):
        recovery.power_on_and_wait(p, target, batch, vms, expected, settings, clock, "recovered VM")


def _plan_items(refs, found_replicas, settings, site_name):
    items, errors = {}, []
    for ref in refs:
        rep = found_replicas[ref.label]
        try:
            gen = recovery.choose_generation(ref.label, rep.record, recovery.wanted_point(ref, settings), site_name)
        except VmdrError as exc:
            errors.append(exc)
            continue
        items[ref.label] = {"replica": rep, "gen": gen}
    return items, errors


def _describe(batch, items, started):
    for label, item in items.items():
        rep, gen = item["replica"], item["gen"]
        done = rep.record.get("role") == metadata.ROLE_PROMOTED and rep.power_state == "poweredOn"
        batch[label].before = {"replica_role": rep.record.get("role"), "replica_power": rep.power_state}
        batch[label].after = {"replica_role": metadata.ROLE_PROMOTED, "replica_power": "poweredOn"}
        batch[label].changed = not done
        chosen = (rep.record.get("failover") or {}) if rep.record.get("role") == metadata.ROLE_PROMOTED else None
        point = {"id": chosen.get("generation"), "time": chosen.get("generation_time")} if chosen else \
            {"id": gen["id"], "time": gen["time"]}
        batch[label].details.update(recovered_vm=rep.summary(), recovery_point=point)
        if not chosen:
            batch[label].details["achieved_rpo_seconds"] = recovery.achieved_rpo(started, gen)


def _source_check(p, refs, settings, batch):
    """For unplanned failover: the source site may be gone. Returns {label: VmRecord} of reachable sources."""
    if not (p.source_params or {}).get("hostname"):
        return None
    try:
        source = p.site("source")
    except VmdrError as exc:
        p.warn("source site unreachable, continuing the unplanned failover without it: %s" % exc)
        return None
    inv = p.inventory(source)
    records = inv.vms()
    by_name = dict((r.name, r) for r in records)
    found = dict((ref.label, by_name.get(ref.label)) for ref in refs if by_name.get(ref.label))
    running = sorted(label for label, rec in found.items() if rec.power_state == "poweredOn"
                     and (rec.record or {}).get("role") == metadata.ROLE_SOURCE)
    if running and not settings.get("allow_source_running"):
        raise InputError("the source VMs %s are still running at site '%s'" % (", ".join(running), source.name),
                         vm=running[0], site=source.name, step="check source before unplanned failover",
                         hint="Use mode=planned while the source site answers, or set allow_source_running=true "
                              "to accept two running copies")
    return found


def unplanned(p, refs, settings):
    clock, started = time.time(), utcnow()
    target = p.site("target")
    inv = p.inventory(target)
    batch = Batch([r.label for r in refs])
    found, _records = recovery.find_replicas(inv, refs, roles=(metadata.ROLE_REPLICA, metadata.ROLE_PROMOTED))
    items, errors = _plan_items(refs, found, settings, target.name)
    raise_all(errors)
    plans = recovery.reip_plans(refs, found, settings)
    nmap = NetworkMap.from_params(settings.get("network_map"))
    raise_all(_check_live_map(refs, found, nmap, inv))
    sources = _source_check(p, refs, settings, batch)
    _describe(batch, items, started)
    if p.check_mode:
        return batch
    todo = dict((label, item) for label, item in items.items() if batch[label].changed)
    for label, item in todo.items():
        item["source_fenced"] = bool(sources and sources.get(label) is not None
                                     and sources[label].power_state == "poweredOff")
    promote(p, target, inv, batch, todo, plans, settings, started, clock, "unplanned")
    if sources:
        fence = [(label, sources[label]) for label in todo if not batch[label].failed and sources.get(label)
                 and sources[label].power_state == "poweredOff"]
        _fence(p, p.site("source"), batch, fence, started, "unplanned")
    return batch


def _check_live_map(refs, found, nmap, inv):
    errors = []
    for ref in refs:
        try:
            recovery.nic_targets(ref.label, found[ref.label].record, nmap, "live", inv)
        except VmdrError as exc:
            errors.append(exc)
    return errors


def _fence(p, source, batch, fence, started, mode):
    jobs = []
    for label, rec in fence:
        record = dict(rec.record, role=metadata.ROLE_FAILED_OVER, failover={"mode": mode, "time": iso(started)})
        jobs.append((label, recovery.reconfig_job(rec.obj, recovery.extra_spec({metadata.REPLICATION_KEY: record}))))
    for label, outcome in p.runner(source).run(jobs).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, source.name, "fence source VM")


def planned(p, refs, settings):
    clock, started = time.time(), utcnow()
    source, target = p.site("source"), p.site("target")
    src_inv, inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    sources = src_inv.resolve(refs)
    src_inv.load(sources.values(), SOURCE_PATHS)
    pairs = inv.by_record(inv.vms())
    replicas = dict((pair, recs[0]) for pair, recs in pairs.items()
                    if recs[0].record.get("role") in (metadata.ROLE_REPLICA, metadata.ROLE_PROMOTED))
    # failed over and reversed already (a rerun): the source of the pair runs at the target site
    moved = set(pair for pair, recs in pairs.items()
                if recs[0].record.get("role") == metadata.ROLE_SOURCE and recs[0].power_state == "poweredOn")
    nmap = NetworkMap.from_params(settings.get("network_map"))
    errors, found, done = [], {}, set()
    for ref in refs:
        src = sources[ref.label]
        role = (src.record or {}).get("role")
        rep = replicas.get((src.record or {}).get("pair"))
        if role == metadata.ROLE_REPLICA and (src.record or {}).get("pair") in moved:
            batch[ref.label].details["skipped"] = "the VM runs at site '%s' already" % target.name
            done.add(ref.label)
            continue
        if role not in (metadata.ROLE_SOURCE, metadata.ROLE_FAILED_OVER) or rep is None:
            errors.append(InputError("the VM has no replica at site '%s'" % target.name, vm=ref.label,
                                     site=source.name, step="plan planned failover",
                                     hint="Enable replication and sync first"))
            continue
        if role == metadata.ROLE_SOURCE and rep.record.get("role") == metadata.ROLE_PROMOTED:
            errors.append(InputError("the replica was promoted but the source is not fenced", vm=ref.label,
                                     site=source.name, step="plan planned failover"))
            continue
        found[ref.label] = rep
    raise_all(errors)
    refs = [ref for ref in refs if ref.label not in done]
    inv.load(found.values(), recovery.REPLICA_PATHS)
    raise_all(_check_live_map(refs, found, nmap, inv))
    plans = recovery.reip_plans(refs, found, settings)
    items = dict((label, {"replica": rep, "gen": (rep.record.get("generations") or [{}])[-1]})
                 for label, rep in found.items())
    for label, item in items.items():
        if not item["gen"]:
            item["gen"] = {"id": "(final sync)", "time": iso(started), "disks": []}
    _describe(batch, items, started)
    for label in items:
        if sources[label].power_state == "poweredOn" and found[label].record.get("role") != metadata.ROLE_PROMOTED:
            batch[label].before["source_power"] = "poweredOn"
            batch[label].after["source_power"] = "poweredOff"
    if p.check_mode:
        return batch

    fresh = [label for label in items if found[label].record.get("role") == metadata.ROLE_REPLICA]
    shut = _shutdown_sources(p, source, batch, dict((label, sources[label]) for label in fresh), settings)
    synced = [label for label in fresh if not batch[label].failed]
    if synced:
        engine_items = dict((label, (sources[label], sources[label].record)) for label in synced)
        generations = CopyEngine(p, source, target).sync(
            batch, engine_items, _placement_of(p, inv, sources, synced), dict((l, found[l]) for l in synced))
        rollback = [label for label in synced if batch[label].failed and label in shut]
        _power_on_sources(p, source, batch, dict((label, sources[label]) for label in rollback))
        for label, gen in generations.items():
            items[label]["gen"] = gen
            batch[label].details["recovery_point"] = {"id": gen["id"], "time": gen["time"]}
            batch[label].details["achieved_rpo_seconds"] = 0
    _verify_off(p, source, batch, dict((label, sources[label]) for label in fresh if not batch[label].failed))
    _fence(p, source, batch, [(label, sources[label]) for label in fresh if not batch[label].failed], started,
           "planned")
    todo = dict((label, item) for label, item in items.items() if not batch[label].failed and batch[label].changed)
    if todo:
        # the replica records were rewritten by the final sync: read them again before promoting
        fresh_replicas = _replicas_by_pair(inv, (metadata.ROLE_REPLICA, metadata.ROLE_PROMOTED))
        for label, item in todo.items():
            item["replica"] = fresh_replicas.get(item["replica"].record["pair"], item["replica"])
        inv.load([item["replica"] for item in todo.values()], recovery.REPLICA_PATHS)
    promote(p, target, inv, batch, todo, plans, settings, started, clock, "planned")
    return batch


def _placement_of(p, inv, sources, labels):
    import json
    from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import placement
    names = [json.dumps(sources[label].record.get("placement") or {}, sort_keys=True) for label in labels]
    if len(set(names)) > 1:
        raise InputError("the VMs of one planned failover call have different replica placements", step="final sync",
                         hint="Run one failover call per placement")
    return placement.resolve(inv, json.loads(names[0]))


def _shutdown_sources(p, source, batch, sources, settings):
    """Guest shutdown, wait, and a hard power-off only when force_power_off is set. Returns labels shut down."""
    running = dict((label, rec) for label, rec in sources.items() if rec.power_state == "poweredOn")
    if not running:
        return []
    runner = p.runner(source)
    for label, outcome in runner.run([(label, _job(rec.obj.ShutdownGuest)) for label, rec in running.items()]).items():
        if not outcome.ok and outcome.fault != "InvalidPowerState":
            if not settings.get("force_power_off"):
                batch.fail_outcome(label, outcome, source.name, "shut down source guest")
    deadline = time.time() + settings.get("shutdown_timeout", 300)
    pending = dict((label, rec) for label, rec in running.items() if not batch[label].failed)
    while pending and time.time() < deadline:
        for obj, props in retrieve_objects(source.si, [r.obj for r in pending.values()], ["runtime.powerState"],
                                           obj_type=vim.VirtualMachine):
            if props.get("runtime.powerState") == "poweredOff":
                pending = dict((l, r) for l, r in pending.items() if r.obj._moId != obj._moId)
        if pending:
            time.sleep(1)
    if pending:
        if settings.get("force_power_off"):
            for label, outcome in runner.run([(l, _job(r.obj.PowerOffVM_Task)) for l, r in pending.items()]).items():
                if not outcome.ok:
                    batch.fail_outcome(label, outcome, source.name, "power off source")
        else:
            for label in pending:
                batch.fail(label, VmdrError(
                    "the guest did not shut down within %s s; the source keeps running and nothing was changed"
                    % settings.get("shutdown_timeout", 300), site=source.name, step="shut down source guest",
                    hint="Check VMware Tools in the guest, raise shutdown_timeout, or set force_power_off=true"))
    return [label for label in running if not batch[label].failed]


def _power_on_sources(p, source, batch, sources):
    if not sources:
        return
    for label, outcome in p.runner(source).run([(l, _job(r.obj.PowerOnVM_Task)) for l, r in sources.items()]).items():
        if outcome.ok:
            p.warn("VM '%s': the final sync failed, so the source was powered on again at site %s"
                   % (label, source.name))
        else:
            p.warn("VM '%s': the final sync failed and the source could not be powered on again at site %s: %s"
                   % (label, source.name, outcome.error))


def _verify_off(p, source, batch, sources):
    if not sources:
        return
    for obj, props in retrieve_objects(source.si, [r.obj for r in sources.values()], ["runtime.powerState"],
                                       obj_type=vim.VirtualMachine):
        if props.get("runtime.powerState") != "poweredOff":
            label = [l for l, r in sources.items() if r.obj._moId == obj._moId][0]
            batch.fail(label, VmdrError("the source is %s; the replica was not started"
                                        % props.get("runtime.powerState"), site=source.name,
                                        step="verify source is off"))


def reverse(p, refs, settings):
    """Replicate promoted VMs back to the old primaries, which become their replicas."""
    source, target = p.site("source"), p.site("target")
    src_inv, inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    promoted = inv.resolve(refs, paths=SOURCE_PATHS)
    olds = dict((pair, recs[0]) for pair, recs in src_inv.by_record(src_inv.vms(paths=SOURCE_PATHS)).items())
    errors, items = [], {}
    for ref in refs:
        rep = promoted[ref.label]
        role = (rep.record or {}).get("role")
        old = olds.get((rep.record or {}).get("pair"))
        if role == metadata.ROLE_SOURCE and old is not None and old.record.get("role") == metadata.ROLE_REPLICA:
            batch[ref.label].before = batch[ref.label].after = {"direction": "%s -> %s" % (target.name, source.name)}
            continue
        if role in (metadata.ROLE_FAILED_OVER, metadata.ROLE_REPLICA) and old is not None and old.power_state == \
                "poweredOn" and old.record.get("role") in (metadata.ROLE_PROMOTED, metadata.ROLE_SOURCE):
            # failed back already (a resumed failback): it runs at the old primary's site, nothing to reverse
            batch[ref.label].before = batch[ref.label].after = {"direction": "%s -> %s" % (source.name, target.name)}
            batch[ref.label].details["skipped"] = "the VM runs at site '%s' already" % source.name
            continue
        if role not in (metadata.ROLE_PROMOTED, metadata.ROLE_SOURCE) or old is None:
            errors.append(InputError("the VM was not failed over from site '%s'" % source.name, vm=ref.label,
                                     site=target.name, step="plan reverse replication",
                                     hint="Run a planned or unplanned failover first"))
            continue
        if old.power_state != "poweredOff":
            errors.append(InputError("the old primary is %s" % old.power_state, vm=ref.label, site=source.name,
                                     step="plan reverse replication",
                                     hint="Power it off; it becomes the replica and must stay off"))
            continue
        items[ref.label] = (rep, old)
        batch[ref.label].before = {"direction": "%s -> %s" % (source.name, target.name)}
        batch[ref.label].after = {"direction": "%s -> %s" % (target.name, source.name)}
        batch[ref.label].changed = True
    raise_all(errors)
    if p.check_mode or not items:
        return batch
    groups = {}
    for label, (rep, old) in items.items():
        groups.setdefault(_datastore_name(p, source, old), {})[label] = (rep, old)
    for datastore, group in groups.items():
        records = {}
        for label, (rep, old) in group.items():
            networks = dict((v, k) for k, v in (old.record.get("networks") or {}).items())
            records[label] = {"role": metadata.ROLE_SOURCE, "pair": rep.record["pair"],
                              "peer_site": source.instance_uuid, "peer_name": source.name, "state": "enabled",
                              "policy": rep.record.get("policy") or old.record.get("policy"),
                              "placement": {"datastore": datastore}, "networks": networks}
        first_old = list(group.values())[0][1]
        place = Placement({"datastore": datastore}, first_old.props.get("resourcePool"), None, datastore,
                          first_old.props.get("parent"))
        engine_items = dict((label, (group[label][0], records[label])) for label in group)
        generations = CopyEngine(p, target, source).sync(batch, engine_items, place,
                                                         dict((label, group[label][1]) for label in group))
        jobs = [(label, recovery.reconfig_job(group[label][0].obj, recovery.extra_spec(
            {metadata.REPLICATION_KEY: records[label]}))) for label in generations]
        for label, outcome in p.runner(target).run(jobs).items():
            if not outcome.ok:
                batch.fail_outcome(label, outcome, target.name, "record reverse replication")
        for label, gen in generations.items():
            batch[label].details["recovery_point"] = {"id": gen["id"], "time": gen["time"]}
    return batch


def _datastore_name(p, site, rec):
    stores = rec.props.get("datastore") or []
    if not stores:
        raise VmdrError("the old primary has no datastore", vm=rec.name, site=site.name, step="reverse replication")
    return retrieve_objects(site.si, stores[:1], ["name"], obj_type=vim.Datastore)[0][1]["name"]
