# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the vSphere adapter reads and checks before the engine's planned or unplanned failover changes anything.

``failover_context`` reads both sites in bulk (one inventory read per site, then the paths of the VMs acted on).
``failover_problems`` finds every input problem of every VM, with no change: VMs and roles, recovery points, live
networks, the re-IP plan and the guest customization that will carry it (including one already pending that could
not be replaced), the sources' own snapshots (the final sync could not copy them) and power state, replicas that
run, and the placement of every final sync. What the call reports (``describe``, ``finish``) is describe.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.engine.context import RunContext
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    copy_engine, disk_support, metadata, recovery, sync, vm_spec)

SOURCE_PATHS = vm_spec.HARDWARE_PATHS + ["resourcePool", "parent", "datastore", "snapshot"]
REPLICA, PROMOTED = metadata.ROLE_REPLICA, metadata.ROLE_PROMOTED
SOURCE, FAILED_OVER = metadata.ROLE_SOURCE, metadata.ROLE_FAILED_OVER


class VsphereContext(RunContext):
    """``vms[label]``: source and replica (VmRecords), gen (recovery point), fresh (needs the final sync), fence,
    targets (live NIC networks), plan (re-IP), customize, expected addresses, and what the steps did (stopped,
    fenced_by_us, promoted_by_us, before, customized, power_after) for their compensations."""

    def __init__(self, mode, settings, source, target, started, now):
        RunContext.__init__(self, mode, settings, source.name if source is not None else None, target.name,
                            started)
        self.source, self.target, self.now = source, target, now
        self.problems = Problems()  # found while reading
        self.placements = {}
        self.nmap = None


def _reachable_source(p):
    """Unplanned: the source site if it is configured and answers, else None (with a warning)."""
    if not (p.source_params or {}).get("hostname"):
        return None
    try:
        return p.site("source")
    except InputError:
        raise
    except VmdrError as exc:
        p.warn("source site unreachable, continuing the unplanned failover without it: %s" % exc)
        return None


def failover_context(p, batch, refs, mode, settings):
    target = p.site("target")
    source = p.site("source") if mode == "planned" else _reachable_source(p)
    inv = p.inventory(target)
    ctx = VsphereContext(mode, settings, source, target, time.time(), inv.now())
    ctx.nmap = ctx.problems.check(NetworkMap.from_params, settings.get("network_map"), site=target.name,
                                  step="validate network map")
    (_read_planned if mode == "planned" else _read_unplanned)(p, ctx, refs)
    return ctx


def _finished(ctx, rep):
    power_on = ctx.settings.get("power_on", True)
    return rep.record.get("role") == PROMOTED and (rep.power_state == "poweredOn" or not power_on)


def _read_planned(p, ctx, refs):
    src_inv, inv = p.inventory(ctx.source), p.inventory(ctx.target)
    sources, errors = src_inv.resolve_each(refs)
    ctx.problems.extend(errors)
    pairs = inv.by_record(inv.vms())
    for ref in refs:
        label, src = ref.label, sources.get(ref.label)
        if src is None:
            continue
        rec = src.record or {}
        peers = pairs.get(rec.get("pair")) or [] if rec.get("pair") else []
        rep = ([r for r in peers if r.record.get("role") in (REPLICA, PROMOTED)] or [None])[0]
        if rec.get("role") == REPLICA and any(r.record.get("role") == SOURCE and r.power_state == "poweredOn"
                                              for r in peers):
            # failed over and reversed already (a rerun): the source of the pair runs at the target site
            ctx.vms[label] = {"skipped": "the VM runs at site '%s' already" % ctx.target.name}
            ctx.done.add(label)
            continue
        if rec.get("role") not in (SOURCE, FAILED_OVER) or rep is None:
            ctx.problems.add(InputError("the VM has no replica at site '%s'" % ctx.target.name, vm=label,
                                        site=ctx.source.name, step="plan planned failover",
                                        hint="Enable replication and sync first"))
            continue
        promoted = rep.record.get("role") == PROMOTED
        if rec.get("role") == SOURCE and promoted:
            ctx.problems.add(InputError("the replica was promoted but the source is not fenced", vm=label,
                                        site=ctx.source.name, step="plan planned failover",
                                        hint="Check both copies; fence the one that must stay off by hand"))
            continue
        ctx.vms[label] = {"source": src, "replica": rep, "fresh": not promoted, "fence": True,
                          "gen": recovery.recorded_point(rep.record) if promoted else None}
        if _finished(ctx, rep):
            ctx.done.add(label)
    todo = [ctx.vms[label] for label in ctx.todo()]
    src_inv.load([vm["source"] for vm in todo if vm["fresh"]], SOURCE_PATHS)
    inv.load([vm["replica"] for vm in todo], recovery.REPLICA_PATHS)


def _read_unplanned(p, ctx, refs):
    inv = p.inventory(ctx.target)
    found, _records = recovery.find_replicas(inv, refs, ctx.problems, roles=(REPLICA, PROMOTED))
    for ref in refs:
        rep = found.get(ref.label)
        if rep is None:
            continue
        promoted = rep.record.get("role") == PROMOTED
        gen = recovery.recorded_point(rep.record) if promoted else recovery.choose_point(
            ref.label, rep.record, recovery.point_spec(ref, ctx.settings, ctx.problems), ctx.target.name,
            ctx.problems)
        ctx.vms[ref.label] = {"source": None, "replica": rep, "fresh": False, "fence": False, "gen": gen}
        if _finished(ctx, rep):
            ctx.done.add(ref.label)
    if ctx.source is None:
        return
    by_pair = {}
    for rec in p.inventory(ctx.source).vms():
        if rec.record and rec.record.get("role") in (SOURCE, FAILED_OVER):
            by_pair.setdefault(rec.record.get("pair"), []).append(rec)
    for label in ctx.todo():
        vm = ctx.vms[label]
        sources = by_pair.get(vm["replica"].record.get("pair")) or []
        if len(sources) != 1:
            continue
        src = vm["source"] = sources[0]
        running = src.power_state == "poweredOn" and src.record.get("role") == SOURCE
        if running and not ctx.settings.get("allow_source_running"):
            ctx.problems.add(InputError(
                "the source VM is still running at site '%s'" % ctx.source.name, vm=label, site=ctx.source.name,
                step="check source before unplanned failover",
                hint="Use mode=planned while the source site answers, or set allow_source_running=true to accept "
                     "two running copies"))
        # a source that runs is not fenced (both copies run, as the caller accepted); one seen off is
        vm["fence"] = not running and src.record.get("role") == SOURCE and src.power_state == "poweredOff"


def failover_problems(p, ctx, problems):
    problems.extend(ctx.problems.items)
    site = ctx.target.name
    inv = p.inventory(ctx.target)
    todo = [label for label in ctx.todo() if ctx.vms[label].get("replica") is not None]
    for label in todo:
        vm = ctx.vms[label]
        vm["targets"] = problems.check(recovery.nic_targets, label, vm["replica"].record, ctx.nmap, "live", inv,
                                       vm=label, site=site) if ctx.nmap is not None else None
    plans = recovery.reip_plans(todo, dict((label, ctx.vms[label]["replica"]) for label in todo),
                                ctx.settings.get("reip"), problems, site)
    by_key = {}
    for label in todo:
        vm = ctx.vms[label]
        rep = vm["replica"]
        if rep.record.get("role") == REPLICA and rep.power_state != "poweredOff":
            problems.add(InputError("the replica is %s before its failover" % rep.power_state, vm=label, site=site,
                                    step="check replica", hint="Power the replica off; it must stay off until "
                                                               "failover"))
        vm["plan"], vm["customize"] = recovery.customization_decision(label, rep, plans[label], problems, site)
        vm["expected"] = recovery.expected_ips(vm["plan"])
        if vm.get("fresh"):
            if vm["source"].power_state not in ("poweredOn", "poweredOff"):
                problems.add(InputError("the source is %s" % vm["source"].power_state, vm=label, site=ctx.source.name,
                                        step="check source", hint="Resume it or power it off, then fail over"))
            own, _left = copy_engine.snapshot_trees(vm["source"].props.get("snapshot"))
            if own:
                problems.add(InputError(copy_engine.own_snapshots_error(own, ctx.source.name).message, vm=label,
                                        site=ctx.source.name, step="check source snapshots",
                                        hint="Delete or consolidate the VM's snapshots, then fail over"))
            by_key.setdefault(sync.placement_key(vm["source"].record.get("placement")), []).append(label)
    if by_key:
        ctx.placements = sync.resolve_placements(inv, sorted(by_key), problems, by_key)
        problems.extend(disk_support.problems_of(ctx.source, dict(
            (label, ctx.vms[label]["source"]) for labels in by_key.values() for label in labels)))
