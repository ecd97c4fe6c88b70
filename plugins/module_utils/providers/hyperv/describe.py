# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a planned or unplanned failover reports per VM: before/after (diff), and after the chain the recovered VM,
its networks, the recovery point used with the achieved RPO, and the re-IP plan."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import power, promote


def _view(data):
    mode, state, power_state = power.state_of(data)
    return {"mode": mode, "state": state, "power_state": power_state}


def describe(ctx, batch):
    for label, vm in ctx.vms.items():
        if vm.get("target") is None:
            continue
        item = batch[label]
        before = _view(vm["target"])
        item.before = before
        if label in ctx.done:
            item.after = dict(before)
            continue
        item.changed = True
        after = dict(before, power_state="Running" if ctx.power_on else before["power_state"])
        if ctx.mode == "planned":
            after.update(mode="Primary", state="Replicating")
        elif before["mode"] != "Primary":
            after["state"] = "FailedOver" if ctx.settings.get("commit") else (
                before["state"] if before["state"] in ("FailedOverWaitingCompletion", "FailedOver")
                else "FailedOverWaitingCompletion")
        item.after = after


def finish(ctx, batch):
    for label, vm in ctx.vms.items():
        if vm.get("target") is None:
            continue
        item = batch[label]
        got = vm.get("started") or vm.get("promoted")
        if got is None:
            if label in ctx.done:
                current = (vm["target"].get("vm") or {})
                item.details["recovered_vm"] = {"name": current.get("name"), "id": current.get("id"),
                                                "power_state": current.get("power_state")}
            else:
                item.after = dict(item.before or {})  # failed before the replica changed
            continue
        if vm.get("promoted"):
            item.before = vm["promoted"].get("before") or item.before
        if got.get("after"):
            item.after = got["after"]
        current = got.get("vm") or {}
        item.details["recovered_vm"] = {"name": current.get("name"), "id": current.get("id"),
                                        "power_state": current.get("power_state")}
        item.details["networks"] = [{"index": n["index"], "network": n.get("switch")} for n in got.get("nics") or []]
        promote.point_details(item, (vm.get("promoted") or {}).get("point"), ctx.mode)
        if vm.get("raw") is not None and vm.get("phase") == "failover":
            item.details["reip"] = vm["raw"]
