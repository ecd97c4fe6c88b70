# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Batch: per-VM results of a step, fed by TaskRunner outcomes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskOutcome
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError


def test_new_batch_keeps_order_and_is_unchanged():
    batch = Batch(["web-2", "web-1", "db-1"])
    assert batch.active() == ["web-2", "web-1", "db-1"]
    assert batch.changed is False
    assert batch.failures() == []
    assert [r["name"] for r in batch.results()] == ["web-2", "web-1", "db-1"]
    assert batch.results()[0] == {"name": "web-2", "changed": False, "failed": False}
    assert batch.diff() == {"before": {}, "after": {}}


def test_fail_with_plain_exception_locates_it():
    batch = Batch(["a", "b"])
    batch.fail("a", RuntimeError("disk busy"), site="site-b", step="copy disk")
    assert batch.active() == ["b"]
    assert [r.name for r in batch.failures()] == ["a"]
    error = batch["a"].error
    assert isinstance(error, VmdrError)
    assert (error.message, error.vm, error.site, error.step) == ("disk busy", "a", "site-b", "copy disk")
    assert batch.results()[0]["error"] == {"vm": "a", "site": "site-b", "step": "copy disk", "message": "disk busy",
                                           "hint": None, "fault": None}


def test_fail_keeps_what_the_error_already_says():
    batch = Batch(["a"])
    error = InputError("bad", vm="other", site="site-a", step="plan")
    batch.fail("a", error, site="site-b", step="copy")
    assert batch["a"].error is error
    assert (error.vm, error.site, error.step) == ("other", "site-a", "plan")
    blank = VmdrError("blank")
    batch.fail("a", blank, site="site-b", step="copy")
    assert (blank.vm, blank.site, blank.step) == ("a", "site-b", "copy")


def test_fail_outcome_carries_hint_and_fault():
    batch = Batch(["vm1"])
    outcome = TaskOutcome("vm1", False, error="Permission denied", hint="Grant it", fault="NoPermission")
    batch.fail_outcome("vm1", outcome, "site-b", "power on")
    assert batch.results()[0]["error"] == {"vm": "vm1", "site": "site-b", "step": "power on",
                                           "message": "Permission denied", "hint": "Grant it", "fault": "NoPermission"}
    assert batch.results()[0]["failed"] is True


def test_changed_details_state_and_diff():
    batch = Batch(["a", "b", "c"])
    batch["a"].changed = True
    batch["a"].before = {"state": "enabled"}
    batch["a"].after = {"state": "paused"}
    batch["a"].details["rpo"] = 15
    batch["b"].after = {"state": "enabled"}
    assert batch.changed is True
    first, second, third = batch.results()
    assert first == {"name": "a", "changed": True, "failed": False, "rpo": 15, "state": {"state": "paused"}}
    assert second["state"] == {"state": "enabled"}
    assert "state" not in third
    assert batch.diff() == {"before": {"a": {"state": "enabled"}}, "after": {"a": {"state": "paused"}}}
