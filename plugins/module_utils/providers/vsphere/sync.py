# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Making recovery points on vSphere: replica_sync, the initial copy of replica_enable and the final recovery point of
a planned failover. Every one runs the copy engine once per replica placement (one batch per group of VMs that share
it), so a call may hold VMs whose replicas live in different places."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan import rpo
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    disk_support, metadata, placement as placement_mod, recovery, vm_spec)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import CopyEngine


def latest_generation(record):
    gens = (record or {}).get("generations") or []
    return gens[-1] if gens else None


def gen_view(gen):
    return {"id": gen["id"], "time": gen["time"], "quiesced": gen.get("quiesced")} if gen else None


def rpo_status(source_record, replica_record, now):
    """plan.rpo.status of a pair: its policy's RPO against the newest recovery point, on the site's clock."""
    record = source_record or replica_record or {}
    policy = record.get("policy") or {}
    latest = latest_generation(replica_record)
    return rpo.status(int(float(policy.get("rpo") or 0) * 60), latest["time"] if latest else None, now,
                      paused=(source_record or {}).get("state") == "paused")


def placement_key(names):
    return json.dumps(names or {}, sort_keys=True)


def resolve_placements(inv, keys, problems, labels_by_key=None):
    """{placement key: Placement} for every distinct placement; one that cannot be resolved is a problem of each
    VM that uses it."""
    out = {}
    for key in keys:
        for_vms = (labels_by_key or {}).get(key) or [None]
        try:
            out[key] = placement_mod.resolve(inv, json.loads(key))
        except VmdrError as exc:
            for label in for_vms:
                problems.add(InputError(exc.message, vm=label, site=exc.site or inv.site.name,
                                        step=exc.step or "resolve placement", hint=exc.hint))
    return out


def sync_groups(p, source, target, batch, items, placements=None):
    """Runs the copy engine once per replica placement; ``items``: {label: (source, record, replica)}.

    ``placements``: {placement key: Placement} resolved before (else resolved here). Returns {label: generation}
    and marks the failures in ``batch``."""
    groups = {}
    for label, (src, rec, replica) in items.items():
        groups.setdefault(placement_key(rec.get("placement")), {})[label] = (src, rec, replica)
    generations = {}
    for key, group in groups.items():
        placement = (placements or {}).get(key) or placement_mod.resolve(p.inventory(target), json.loads(key))
        generations.update(CopyEngine(p, source, target).sync(
            batch, dict((label, (src, rec)) for label, (src, rec, _r) in group.items()), placement,
            dict((label, r) for label, (_s, _rec, r) in group.items())))
    return generations


def sync(p, refs, when, wait_within_rpo):
    source, target = p.site("source"), p.site("target")
    src_inv, tgt_inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    problems = Problems()
    found, errors = src_inv.resolve_each(refs, paths=vm_spec.HARDWARE_PATHS + ["config.extraConfig", "snapshot"])
    problems.extend(errors)
    replicas = dict((pair, recs[0]) for pair, recs in tgt_inv.by_record().items())
    now = tgt_inv.now()
    due = {}
    for ref in refs:
        if ref.label not in found:
            continue
        label, src = ref.label, found[ref.label]
        rec = src.record
        if not rec or rec.get("role") != metadata.ROLE_SOURCE:
            problems.add(InputError("the VM is not a replication source", vm=label, site=source.name,
                                    step="plan sync", hint="Enable replication with replica_enable first"))
            continue
        if rec.get("state") == "paused":
            problems.add(InputError("replication is paused", vm=label, site=source.name, step="plan sync",
                                    hint="Resume it with replica_enable state=present"))
            continue
        replica = replicas.get(rec["pair"])
        status = rpo_status(rec, replica.record if replica else None, now)
        before = {"latest_recovery_point": gen_view(latest_generation(replica.record if replica else None)),
                  "age_seconds": status["age_seconds"], "rpo_compliant": status["rpo_compliant"]}
        batch[label].before = before
        batch[label].after = before
        batch[label].details["replica"] = replica.summary() if replica else None
        if when == "always" or rpo.sync_due(status["age_seconds"], status["rpo_seconds"]):
            due[label] = (src, rec, replica)
    keys = set(placement_key(rec.get("placement")) for _src, rec, _rep in due.values())
    placements = resolve_placements(tgt_inv, keys, problems, _labels_by_key(due))
    problems.extend(disk_support.problems_of(source, dict((label, item[0]) for label, item in due.items())))
    problems.refuse()
    for label in due:
        batch[label].changed = True
        batch[label].after = {"latest_recovery_point": "(new)", "age_seconds": 0, "rpo_compliant": True}
    if p.check_mode or not due:
        return batch

    for label, gen in sync_groups(p, source, target, batch, due, placements).items():
        batch[label].after = {"latest_recovery_point": gen_view(gen), "age_seconds": 0, "rpo_compliant": True}
        batch[label].details["recovery_point"] = gen_view(gen)
    for label in due:
        if batch[label].failed:  # no new point: the result keeps what the replica still has
            batch[label].after = batch[label].before
            batch[label].changed = False
            batch[label].details.pop("recovery_point", None)
    if wait_within_rpo:
        for label in batch.active():
            if batch[label].after and not batch[label].after.get("rpo_compliant"):
                batch.fail(label, VmdrError("the replica is outside its RPO", step="verify RPO", site=target.name))
    return batch


def _labels_by_key(items):
    out = {}
    for label, (_src, rec, _rep) in items.items():
        out.setdefault(placement_key(rec.get("placement")), []).append(label)
    return out


# ---- the engine's final recovery point of a planned failover (engine/failover.py)

def final_sync(p, ctx, labels):
    """A last recovery point of every stopped source, grouped by replica placement (one copy-engine batch per
    group). Replicas already promoted by an earlier run need none."""
    out = dict((label, Outcome()) for label in labels if not ctx.vms[label].get("fresh"))
    fresh = [label for label in labels if label not in out]
    if not fresh:
        return out
    scratch = Batch(fresh)
    items = dict((label, (ctx.vms[label]["source"], ctx.vms[label]["source"].record, ctx.vms[label]["replica"]))
                 for label in fresh)
    generations = sync_groups(p, ctx.source, ctx.target, scratch, items, ctx.placements)
    # the copy engine rewrote the replica records (new generation): read them again, in one call
    inv = p.inventory(ctx.target)
    fresh_reads = inv.refresh([ctx.vms[label]["replica"] for label in generations], recovery.REPLICA_PATHS)
    for label in fresh:
        vm = ctx.vms[label]
        if scratch[label].failed:
            out[label] = Outcome(error=scratch[label].error)
            continue
        if label not in generations:
            out[label] = Outcome(error=VmdrError("the copy engine made no recovery point", site=ctx.target.name,
                                                 step="final recovery point"))
            continue
        gen = generations[label]
        vm["gen"] = gen
        vm["replica"] = fresh_reads.get(vm["replica"].moid, vm["replica"])
        out[label] = Outcome(changed=True, details={"recovery_point": {"id": gen["id"], "time": gen["time"]},
                                                    "achieved_rpo_seconds": 0})
    return out


def undo_final_sync(p, ctx, labels):
    """Nothing to undo: the final point is one more valid recovery point of a replica that stays a powered-off
    replica, and replication goes on from the source that is started again."""
    return dict((label, Outcome()) for label in labels)
