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


class FilterModule(object):
    def filters(self):
        return {"batch_vm_results": batch_vm_results}
