# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a planned or unplanned failover on vSphere reports per VM: before/after (diff; check mode reports exactly
this), the recovered VM, its networks, the recovery point and the achieved RPO, and the re-IP plan; after the chain,
the recovered VM's power."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery

PROMOTED = metadata.ROLE_PROMOTED


def describe(p, ctx, batch):
    power_on = ctx.settings.get("power_on", True)
    for label, vm in ctx.vms.items():
        item = batch[label]
        if vm.get("skipped"):
            item.details["skipped"] = vm["skipped"]
            continue
        rep, done = vm["replica"], label in ctx.done
        item.before = {"replica_role": rep.record.get("role"), "replica_power": rep.power_state}
        item.after = dict(item.before) if done else {"replica_role": PROMOTED,
                                                     "replica_power": "poweredOn" if power_on else rep.power_state}
        src = vm.get("source")
        if ctx.mode == "planned" and src is not None and not done and src.power_state != "poweredOff":
            item.before["source_power"], item.after["source_power"] = src.power_state, "poweredOff"
        item.changed = not done
        item.details["recovered_vm"] = rep.summary()
        gen = vm.get("gen")
        if vm.get("fresh"):
            item.details.update(recovery_point={"id": "(final sync)", "time": timeparse.iso(ctx.now)},
                                achieved_rpo_seconds=0)
        elif gen:
            item.details["recovery_point"] = {"id": gen["id"], "time": gen["time"]}
            if rep.record.get("role") != PROMOTED:
                item.details["achieved_rpo_seconds"] = recovery.achieved_rpo(ctx.now, gen)
        if vm.get("targets"):
            item.details["networks"] = [{"index": i, "network": n} for i, (n, _net) in sorted(vm["targets"].items())]
        if vm.get("plan") is not None:
            item.details["reip"] = vm["plan"]


def finish(p, ctx, batch):
    for label, vm in ctx.vms.items():
        if vm.get("power_after") and "recovered_vm" in batch[label].details:
            batch[label].details["recovered_vm"] = dict(batch[label].details["recovered_vm"],
                                                        power_state=vm["power_after"])
