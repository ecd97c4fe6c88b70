# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere provider as an adapter of the engine: it implements every operation base.py declares, and the engine
rules it relies on (a failed compensation stops the older ones; an address is waited for when nothing is promised)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import inspect

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine import failover, readiness, waits
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Chain, Outcome, Step
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.provider import VsphereProvider

ADAPTER_OPERATIONS = ("failover_context", "failover_problems", "describe", "stop_sources", "start_sources",
                      "final_sync", "undo_final_sync", "confirm_sources_off", "fence_sources", "unfence_sources",
                      "promote_replicas", "demote_replicas", "start_replicas", "poll_ready", "finish")


@pytest.mark.parametrize("name", ADAPTER_OPERATIONS)
def test_every_engine_operation_is_implemented_with_the_base_signature(name):
    ours, declared = getattr(VsphereProvider, name), getattr(ReplicationProvider, name)
    assert ours is not declared, "%s is inherited, not implemented" % name
    assert inspect.signature(ours) == inspect.signature(declared)


def test_the_engine_calls_only_operations_the_adapter_has():
    """Every adapter call the engine's step lists make is one of the declared operations."""
    calls = []

    class Recorder(object):
        def __getattr__(self, name):
            calls.append(name)
            return lambda *args: dict((label, Outcome()) for label in args[-1])

    class Ctx(object):
        settings = {}

        def source_site_name(self):
            return "a"

        def target_site_name(self):
            return "b"

        def needs_wait(self, label):
            return False

    for mode, steps in failover.STEPS.items():
        for step in steps(Recorder(), Ctx(), {}):
            step.run(["vm"])
            if step.compensate is not None:
                step.compensate(["vm"])
    assert set(calls) <= set(ADAPTER_OPERATIONS) and set(calls) >= {"stop_sources", "promote_replicas"}


def _step(name, log, fail_run=False, fail_undo=False):
    def run(labels):
        log.append(name)
        return dict((label, Outcome(changed=True, error=VmdrError("no") if fail_run else None)) for label in labels)

    def undo(labels):
        log.append("undo " + name)
        return dict((label, Outcome(changed=not fail_undo, error=VmdrError("cannot") if fail_undo else None))
                    for label in labels)
    return Step(name, "site", run, compensate=undo, compensation_name="undo " + name)


def test_a_failed_compensation_stops_the_older_ones_of_that_vm():
    """A replica that could not be demoted (it may run) must not see its source unfenced and started again."""
    log = []
    steps = [_step("stop", log), _step("fence", log), _step("promote", log, fail_undo=True),
             _step("start", log, fail_run=True)]
    batch = Chain(Batch(["vm"]), steps).run(["vm"])
    assert log == ["stop", "fence", "promote", "start", "undo promote"]
    compensation = batch["vm"].details["compensation"]
    assert [(r["step"], r["ok"]) for r in compensation["ran"]] == [("undo promote", False)]
    assert [n["step"] for n in compensation["not_run"]] == ["undo fence", "undo stop"]
    assert compensation["not_run"][0]["reason"] == "'undo promote' failed before it"


@pytest.mark.parametrize("state, verdict", [
    ({"power": "on", "agent": True, "addresses": [], "expected": [], "need_address": True}, waits.RETRY),
    ({"power": "on", "agent": True, "addresses": ["10.0.0.5"], "expected": [], "need_address": True}, waits.SUCCESS),
    ({"power": "on", "agent": True, "addresses": [], "expected": []}, waits.SUCCESS),
    ({"power": "on", "agent": True, "addresses": ["10.0.0.5"], "expected": ["10.0.0.6"], "need_address": False},
     waits.RETRY),
])
def test_readiness_waits_for_some_address_only_when_asked(state, verdict):
    assert readiness.GUEST_READY.acceptor(state)[0] == verdict
    if state.get("need_address") and not state["addresses"]:
        assert "addresses seen none" in readiness.describe(state)
