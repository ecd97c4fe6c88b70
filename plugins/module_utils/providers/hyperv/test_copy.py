# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test failover and its cleanup on Hyper-V (reference §6 "Test").

test      validated like every failover (validate.py: the whole call is refused on any input problem), then on the
          replica host Start-VMFailover -AsTest from the chosen recovery point makes "<name> - Test" on the test
          switch, with the failover TCP/IP settings the re-IP staged, and Start-VM starts it; then the engine's
          readiness wait (engine/readiness.GUEST_READY): running, and the promised addresses reported by the guest.
cleanup   Stop-VMFailover on the replica removes its test VM (row 12). The replica and the source are not touched."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine import failover as engine_failover
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Chain, Outcome, Step
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import (
    inventory, power, promote, scripts, validate)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.settings import TEST_SUFFIX

START = "start test failover"


def test(p, refs, settings):
    batch = Batch([r.label for r in refs])
    ctx = validate.failover_context(p, batch, refs, "test", settings)
    problems = Problems()
    validate.failover_problems(ctx, problems)
    problems.refuse()
    _describe(ctx, batch)
    labels = ctx.todo()
    if p.check_mode or not labels:
        return batch
    site = ctx.target_site_name()
    Chain(batch, [Step(START, site, lambda todo: _start(p, ctx, todo)),
                  Step("wait until ready", site, engine_failover.wait_ready(p, ctx, ctx.settings))]).run(labels)
    for label in labels:
        got = ctx.vms[label].get("tested")
        if got is None:
            continue
        item = batch[label]
        item.after = {"test_vm": got.get("after")}
        item.details["networks"] = [{"index": n["index"], "network": n.get("switch")} for n in got.get("nics") or []]
        promote.point_details(item, got.get("point"), "test")
        if ctx.vms[label].get("raw") is not None and ctx.vms[label].get("phase") == validate.FAILOVER:
            item.details["reip"] = ctx.vms[label]["raw"]
    return batch


def _describe(ctx, batch):
    for label, vm in ctx.vms.items():
        if vm.get("target") is None:
            continue
        item = batch[label]
        name = ((vm["target"].get("vm") or {}).get("name") or label) + TEST_SUFFIX
        item.details["test_vm"] = name
        item.before = {"test_vm": vm["target"].get("test_vm")}
        if label in ctx.done:
            item.after = item.before
            continue
        item.changed = True
        item.after = {"test_vm": {"name": name, "power_state": "Running" if ctx.power_on else "Off"}}


def _start(p, ctx, labels):
    got = inventory.run_outcomes(p, "target", START, scripts.TEST_FAILOVER, {"power_on": ctx.power_on},
                                 ctx.entries(labels, point="ps_point", test="test", reip="reip"))

    def accept(label, data):
        ctx.vms[label]["tested"] = data
        return Outcome(changed=bool(data.get("changed")))
    return power.answers(got, labels, accept)


def cleanup_test(p, refs):
    batch = Batch([r.label for r in refs])
    problems = Problems()
    placed = inventory.locate_checked(p, "target", inventory.entries(p, batch, refs), problems)
    problems.refuse()
    results, dummy = inventory.run_grouped(p, batch, refs, "target", "clean up test failover", scripts.CLEANUP_TEST,
                                           {}, placed)
    for label, data in results.items():
        item = batch[label]
        item.changed = bool(data.get("changed"))
        item.details["removed"] = data.get("removed") or []
        item.before = {"test_vm": data.get("before")}
        item.after = {"test_vm": None}
    return batch
