# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fencing on vSphere: a source is fenced by its replication record (role failed_over), written in one
ReconfigVM_Task per VM, all on the source site's TaskRunner. Unfencing (the compensation) writes back the record the
source had before."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery


def _write(p, site, records):
    """{label: (vm object, record)} -> {label: TaskOutcome}."""
    jobs = [(label, recovery.reconfig_job(obj, recovery.extra_spec({metadata.REPLICATION_KEY: record})))
            for label, (obj, record) in records.items()]
    return p.runner(site).run(jobs)


def fence_sources(p, ctx, labels):
    """Role failed_over on every source that is to be fenced (planned: all; unplanned: the reachable sources seen
    powered off). A source fenced already is left as it is."""
    out, records = {}, {}
    for label in labels:
        vm = ctx.vms[label]
        src = vm.get("source")
        if src is None or not vm.get("fence") or (src.record or {}).get("role") == metadata.ROLE_FAILED_OVER:
            out[label] = Outcome()
            continue
        records[label] = (src.obj, dict(src.record, role=metadata.ROLE_FAILED_OVER,
                                        failover={"mode": ctx.mode, "time": timeparse.iso(ctx.now)}))
    if not records:
        return out
    for label, outcome in _write(p, ctx.source, records).items():
        if outcome.ok:
            ctx.vms[label]["fenced_by_us"] = True
            out[label] = Outcome(changed=True, details={"source_fenced": True})
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, ctx.source.name, "fence source VM"))
    return out


def unfence_sources(p, ctx, labels):
    """Compensation: the record each source had before this call fenced it (role source again)."""
    out = dict((label, Outcome()) for label in labels if not ctx.vms[label].get("fenced_by_us"))
    records = dict((label, (ctx.vms[label]["source"].obj, ctx.vms[label]["source"].record))
                   for label in labels if label not in out)
    for label, outcome in _write(p, ctx.source, records).items():
        if outcome.ok:
            ctx.vms[label]["fenced_by_us"] = False
            out[label] = Outcome(changed=True, details={"source_fenced": False})
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, ctx.source.name, "unfence source VM"))
    return out
