# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""reip on vSphere: stage a re-IP plan on powered-off replicas, in their replication record.

The plan is not staged as a guest customization here. vSphere keeps at most one pending customization per VM and
refuses a second one (CustomizationPending) until the VM powers on, with no API to withdraw it, so a customization
staged early could never be replaced by a later plan. The failover applies the recorded plan (or the one it is
given) as one CustomizeVM_Task right before the replica's power-on (promote.py), and checks before anything changes
that no other customization is pending on the replica.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery, guest

STEP = "stage re-IP"


def reip(p, refs, planner):
    target = p.site("target")
    inv = p.inventory(target)
    problems = Problems()
    found, _records = recovery.find_replicas(inv, refs, problems)
    labels = [ref.label for ref in refs if ref.label in found]
    plans = recovery.reip_plans(labels, found, planner, problems, target.name)
    batch = Batch([r.label for r in refs])
    jobs = []
    for label in labels:
        rec, nic_plans = found[label], plans[label]
        if nic_plans is None:
            continue
        staged = rec.record.get("reip") or {}
        result = batch[label]
        result.details["nics"] = nic_plans
        result.before = {"staged": staged.get("hash")}
        result.after = {"staged": guest.plan_hash(nic_plans)}
        result.changed = staged.get("hash") != guest.plan_hash(nic_plans)
        if not result.changed:
            continue
        if rec.power_state != "poweredOff":
            problems.add(InputError("the replica is %s; its re-IP is applied by guest customization before it is "
                                    "powered on" % rec.power_state, vm=label, site=target.name, step=STEP,
                                    hint="Stage re-IP before failover, or pass reip to the failover module"))
            continue
        # the plan must be one the failover can apply: a valid spec, and no other customization pending
        recovery.customization_decision(label, rec, nic_plans, problems, target.name)
        record = dict(rec.record, reip={"hash": guest.plan_hash(nic_plans), "nics": nic_plans})
        jobs.append((label, recovery.reconfig_job(rec.obj, recovery.extra_spec({metadata.REPLICATION_KEY: record}))))
    problems.refuse()
    if p.check_mode or not jobs:
        return batch
    for label, outcome in p.runner(target).run(jobs).items():
        if not outcome.ok:
            batch.fail(label, recovery.task_error(outcome, target.name, "record re-IP plan"))
    return batch
