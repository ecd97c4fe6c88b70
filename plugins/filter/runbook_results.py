# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-VM results out of the registered results of a module looped over a plan's batches."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def batch_vm_results(result):
    """The ``vms`` of one loop item; a failed call without per-VM results becomes one failed entry naming its VMs."""
    result = result or {}
    if result.get("vms"):
        return list(result["vms"])
    if not result.get("failed"):
        return []
    batch = result.get("item") or {}
    names = batch.get("vms") if isinstance(batch, dict) else None
    return [{"name": ",".join(names or []) or "?", "failed": True,
             "error": {"message": result.get("msg") or "failed"}}]


def not_ready(vm_result, outcomes):
    """The VM result, marked failed with the messages of its readiness checks that did not pass."""
    failed = [o for o in outcomes or [] if o.get("vm") == vm_result.get("name") and not o.get("passed")]
    if not failed or vm_result.get("failed"):
        return vm_result
    text = "; ".join("readiness %s %s: %s" % ((o.get("check") or {}).get("type"), (o.get("check") or {}).get("target"),
                                              o.get("message")) for o in failed)
    return dict(vm_result, failed=True, error={"vm": vm_result.get("name"), "step": "readiness",
                                               "message": "not ready: %s" % text})


class FilterModule(object):
    def filters(self):
        return {"batch_vm_results": batch_vm_results, "not_ready": not_ready}
