# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WaveStarter with the real TaskRunner on a fake vCenter: power-on order across waves, and a failed wave."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from pyVmomi import vim, vmodl

from ansible_collections.vmdr.replication.plugins.module_utils.clients import vsphere_props
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskRunner
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.waves import WaveStarter

PC = vmodl.query.PropertyCollector


class Vcenter(object):
    """Tasks finish on their first read; ``fail`` names tasks that end in error."""

    def __init__(self, fail=()):
        self.fail = set(fail)
        self.lock = threading.Lock()
        self.log = []
        self.propertyCollector = self
        self._stub = type("Stub", (), {})()
        self._stub._vmdr_service_content = self

    def task(self, name):
        def submit(_results):
            with self.lock:
                self.log.append(name)
            return vim.Task("task-%s" % name)
        return submit

    def RetrievePropertiesEx(self, specs, options):
        objects = []
        for spec in specs[0].objectSet:
            moid = spec.obj._moId
            bad = moid[len("task-"):] in self.fail
            props = [vmodl.DynamicProperty(name="info.state", val="error" if bad else "success")]
            if bad:
                props.append(vmodl.DynamicProperty(name="info.error", val=vim.LocalizedMethodFault(
                    fault=vim.fault.InvalidState(msg="broken"), localizedMessage="broken")))
            objects.append(PC.ObjectContent(obj=vim.Task(moid), propSet=props))
        return PC.RetrieveResult(objects=objects, token=None)


WAVES = [["db-1", "db-2"], ["app-1"], ["web-1", "web-2"]]


def run(vc, ready_log, failed_ready=()):
    done = {}

    def await_wave(labels):
        # readiness of a wave is checked only once all its chains ended
        assert all(label in done for label in labels)
        ready_log.append(list(labels))
        return [label for label in labels if not done[label].ok or label in failed_ready]

    starter = WaveStarter(WAVES, set(l for w in WAVES for l in w), done.__setitem__, await_wave)
    chains = []
    for labels in WAVES:
        for label in labels:
            gate = starter.gate(label)
            chains.append((label, [("create", vc.task("%s-create" % label)),
                                   ("power_on", vc.task("%s-on" % label), (), gate) if gate else
                                   ("power_on", vc.task("%s-on" % label))]))
    starter.start()
    outcomes = TaskRunner(vc, max_concurrent=2, timeout=5, poll_interval=0.001).run_chains(
        chains, on_done=starter.chain_done)
    starter.finish(outcomes)
    return outcomes


def test_a_wave_is_powered_on_only_after_the_wave_before_was_ready(monkeypatch):
    monkeypatch.setattr(vsphere_props, "service_content", lambda si: si)
    vc, ready = Vcenter(), []
    outcomes = run(vc, ready)
    assert all(o.ok for o in outcomes.values())
    assert ready == WAVES
    on = [name for name in vc.log if name.endswith("-on")]
    assert on.index("app-1-on") > max(on.index("db-1-on"), on.index("db-2-on"))
    assert min(on.index("web-1-on"), on.index("web-2-on")) > on.index("app-1-on")
    # later waves were prepared while earlier ones were still starting: no barrier on the create steps
    assert vc.log.index("web-1-create") < vc.log.index("app-1-on")


def test_a_failed_wave_keeps_every_later_wave_off(monkeypatch):
    monkeypatch.setattr(vsphere_props, "service_content", lambda si: si)
    vc, ready = Vcenter(fail=["db-2-on"]), []
    outcomes = run(vc, ready)
    assert outcomes["db-2"].ok is False and outcomes["db-2"].step == "power_on"
    for label in ("app-1", "web-1", "web-2"):
        assert outcomes[label].ok is False and outcomes[label].fault == "NotStarted"
        assert "db-2" in outcomes[label].error
    assert not [name for name in vc.log if name in ("app-1-on", "web-1-on", "web-2-on")]


def test_a_wave_not_ready_keeps_the_next_waves_off(monkeypatch):
    monkeypatch.setattr(vsphere_props, "service_content", lambda si: si)
    vc, ready = Vcenter(), []
    outcomes = run(vc, ready, failed_ready=["app-1"])
    assert outcomes["app-1"].ok  # its chain ended; readiness failed it (the caller books that)
    assert outcomes["web-1"].fault == "NotStarted" and "app-1" in outcomes["web-1"].error
    assert "web-1-on" not in vc.log and "app-1-on" in vc.log
