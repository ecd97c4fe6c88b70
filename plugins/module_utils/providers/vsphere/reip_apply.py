# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""reip on vSphere: stage guest customization on powered-off replicas; it applies at their next power-on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery, guest
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.replication import raise_all


def stage_jobs(p, rec, label, nic_plans, record_base):
    """Customization then record, for one VM: (customize job, record job). Shared with failover."""
    spec = guest.customization_spec(nic_plans, record_base.get("hostname") or label,
                                    windows=recovery.is_windows(record_base, rec.props))
    staged = {"hash": guest.plan_hash(nic_plans), "nics": nic_plans}
    new_record = dict(record_base, reip=staged)
    return (lambda: rec.obj.CustomizeVM_Task(spec=spec),
            recovery.reconfig_job(rec.obj, recovery.extra_spec({metadata.REPLICATION_KEY: new_record})))


def reip(p, refs, planner):
    target = p.site("target")
    inv = p.inventory(target)
    found, _records = recovery.find_replicas(inv, refs)
    plans = recovery.reip_plans(refs, found, {"reip": planner})
    batch = Batch([r.label for r in refs])
    errors, pending = [], []
    for ref in refs:
        label, rec = ref.label, found[ref.label]
        nic_plans = plans[label]
        staged = rec.record.get("reip") or {}
        result = batch[label]
        result.details["nics"] = nic_plans
        result.before = {"staged": staged.get("hash")}
        result.after = {"staged": guest.plan_hash(nic_plans)}
        result.changed = staged.get("hash") != guest.plan_hash(nic_plans)
        if result.changed and rec.power_state != "poweredOff":
            errors.append(InputError("the replica is %s; re-IP is applied by guest customization at power-on"
                                     % rec.power_state, vm=label, site=target.name, step="stage re-IP",
                                     hint="Stage re-IP before failover, or pass reip to the failover module"))
        if result.changed:
            pending.append((label, rec, nic_plans))
    raise_all(errors)
    if p.check_mode or not pending:
        return batch
    runner = p.runner(target)
    jobs = dict((label, stage_jobs(p, rec, label, nic_plans, rec.record)) for label, rec, nic_plans in pending)
    for label, outcome in runner.run([(label, job[0]) for label, job in jobs.items()]).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, target.name, "stage guest customization")
    record_jobs = [(label, job[1]) for label, job in jobs.items() if not batch[label].failed]
    for label, outcome in runner.run(record_jobs).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, target.name, "record re-IP plan")
    return batch
