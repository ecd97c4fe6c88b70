# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TaskRunner against a fake vCenter that counts tasks in flight and PropertyCollector reads."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.client
import random
import socket
import ssl
import struct
import types
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyVmomi import VmomiSupport, vim, vmodl
from pyVmomi.SoapAdapter import SoapStubAdapter

from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry, vsphere_props, vsphere_tasks
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_faults import FAULT_HINTS
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskRunner

PC = vmodl.query.PropertyCollector
TASK_PATHS = ["info.state", "info.error", "info.result"]


@pytest.fixture(autouse=True)
def fresh_content_cache(monkeypatch):
    """vsphere_props may cache ServiceContent per connection; every fake vCenter here is a new connection."""
    monkeypatch.setattr(vsphere_props, "_CONTENT", {}, raising=False)


class FakeVcenter(object):
    """Creates vim.Task objects and answers RetrievePropertiesEx for them.

    A task reports "running" until it has been read ``finish_after`` times, then its final state
    (success, or error when ``errors`` has an entry for it). ``never`` tasks run forever.
    """

    def __init__(self, finish_after=1, errors=None, never=(), results=None):
        self.finish_after = finish_after
        self.errors = dict(errors or {})
        self.never = set(never)
        self.results = dict(results or {})
        self.lock = threading.Lock()
        self.created = []
        self.finished = set()
        self.inflight = 0
        self.max_inflight = 0
        self.reads = {}
        self.calls = []
        self.polled_after_finish = []
        self.propertyCollector = self
        self.content = self
        self._stub = types.SimpleNamespace()

    def RetrieveContent(self):
        return self

    def job(self, name):
        def submit():
            return self.create(name)
        return submit

    def create(self, name):
        task = vim.Task("task-%s" % name)
        with self.lock:
            self.created.append(task._moId)
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        return task

    def RetrievePropertiesEx(self, specs, options):
        assert len(specs) == 1
        spec = specs[0]
        assert [p.type for p in spec.propSet] == [vim.Task]
        assert list(spec.propSet[0].pathSet) == TASK_PATHS
        moids = [o.obj._moId for o in spec.objectSet]
        objects = []
        with self.lock:
            self.calls.append(moids)
            for moid in moids:
                if moid in self.finished:
                    self.polled_after_finish.append(moid)
                self.reads[moid] = self.reads.get(moid, 0) + 1
                props = [vmodl.DynamicProperty(name="info.state", val="running")]
                if moid not in self.never and self.reads[moid] >= self.finish_after:
                    if moid in self.errors:
                        props = [vmodl.DynamicProperty(name="info.state", val="error"),
                                 vmodl.DynamicProperty(name="info.error", val=self.errors[moid])]
                    else:
                        props = [vmodl.DynamicProperty(name="info.state", val="success")]
                        if moid in self.results:
                            props.append(vmodl.DynamicProperty(name="info.result", val=self.results[moid]))
                    if moid not in self.finished:
                        self.finished.add(moid)
                        self.inflight -= 1
                objects.append(PC.ObjectContent(obj=vim.Task(moid), propSet=props))
        return PC.RetrieveResult(objects=objects, token=None)

    def ContinueRetrievePropertiesEx(self, token):
        raise AssertionError("no paging expected, got token %r" % token)


def test_empty_job_list_returns_empty_dict_without_reading():
    vc = FakeVcenter()
    assert not TaskRunner(vc).run([])
    assert vc.calls == []


def test_never_more_than_max_concurrent_in_flight():
    vc = FakeVcenter(finish_after=2)
    barrier = threading.Barrier(3, timeout=2)

    def gated(name):
        def submit():
            # the first three submissions meet here, so three tasks are in flight at once
            barrier.wait()
            return vc.create(name)
        return submit

    jobs = [("vm%02d" % i, gated("vm%02d" % i) if i < 3 else vc.job("vm%02d" % i)) for i in range(12)]
    outcomes = TaskRunner(vc, max_concurrent=3, timeout=5, poll_interval=0.001).run(jobs)

    assert sorted(outcomes) == sorted(k for k, _fn in jobs)
    assert all(o.ok for o in outcomes.values()), outcomes
    assert len(vc.created) == 12
    assert vc.max_inflight == 3
    assert max(len(c) for c in vc.calls) <= 3
    assert vc.polled_after_finish == []


def test_all_in_flight_tasks_are_read_in_one_bulk_call():
    count = 20
    vc = FakeVcenter(finish_after=2)
    barrier = threading.Barrier(count, timeout=2)

    def gated(name):
        def submit():
            barrier.wait()
            return vc.create(name)
        return submit

    jobs = [("vm%02d" % i, gated("vm%02d" % i)) for i in range(count)]
    outcomes = TaskRunner(vc, max_concurrent=count, timeout=5, poll_interval=0.02).run(jobs)

    assert all(o.ok for o in outcomes.values())
    # one read per task would take 2 * count calls; bulk reads need far fewer (how many depends on how the threads
    # are scheduled after the barrier on a loaded machine: the watcher reads as soon as the first task is in flight)
    assert len(vc.calls) < count, vc.calls
    assert max(len(c) for c in vc.calls) >= count // 2
    assert vc.polled_after_finish == []


def test_success_carries_result_and_seconds():
    vc = FakeVcenter(results={"task-clone": vim.VirtualMachine("vm-77")})
    outcome = TaskRunner(vc, timeout=5, poll_interval=0.001).run([("clone", vc.job("clone"))])["clone"]
    assert outcome.ok is True
    assert outcome.result._moId == "vm-77"
    assert outcome.error is None and outcome.fault is None
    assert outcome.seconds >= 0
    assert "clone" in repr(outcome)


def test_task_error_maps_fault_to_message_and_hint():
    errors = {
        "task-a": vim.LocalizedMethodFault(fault=vim.fault.InvalidPowerState(msg="raw fault text"),
                                           localizedMessage="The attempted operation cannot be performed in the current state (Powered on)."),
        "task-b": vim.LocalizedMethodFault(fault=vim.fault.FileNotFound(msg="File [ds1] vm/disk.vmdk was not found")),
    }
    vc = FakeVcenter(errors=errors)
    outcomes = TaskRunner(vc, timeout=5, poll_interval=0.001).run([("a", vc.job("a")), ("b", vc.job("b"))])

    first = outcomes["a"]
    assert first.ok is False
    assert first.fault == "InvalidPowerState"
    assert first.error == "The attempted operation cannot be performed in the current state (Powered on)."
    assert first.hint == FAULT_HINTS["InvalidPowerState"]
    second = outcomes["b"]
    assert second.ok is False
    assert second.fault == "FileNotFound"
    # without a localizedMessage the fault's own text is the message
    assert second.error == "File [ds1] vm/disk.vmdk was not found"
    assert second.hint == FAULT_HINTS["FileNotFound"]


def test_unfinished_tasks_are_marked_timed_out():
    vc = FakeVcenter(never=["task-stuck"])
    began = time.time()
    outcomes = TaskRunner(vc, max_concurrent=4, timeout=0.1, poll_interval=0.005).run(
        [("fast", vc.job("fast")), ("stuck", vc.job("stuck"))])
    assert time.time() - began < 2
    assert outcomes["fast"].ok is True
    stuck = outcomes["stuck"]
    assert stuck.ok is False
    assert stuck.fault == "Timeout"
    assert stuck.error == "task did not finish within 0.1 s"
    assert "raise timeout" in stuck.hint


@pytest.mark.parametrize("exc, fault, text, hint_key", [
    (vim.fault.InvalidPowerState(msg="The VM is powered on"), "InvalidPowerState", "The VM is powered on", "InvalidPowerState"),
    (vim.fault.NoPermission(msg="Permission to perform this operation was denied.", privilegeId="VirtualMachine.Interact.PowerOn"),
     "NoPermission", "Permission to perform this operation was denied. (missing privilege VirtualMachine.Interact.PowerOn)",
     "NoPermission"),
    (vim.fault.InvalidLogin(msg="Cannot complete login due to an incorrect user name or password."), "InvalidLogin",
     "Cannot complete login due to an incorrect user name or password.", "InvalidLogin"),
])
def test_submit_raising_a_vim_fault_fails_only_that_job(exc, fault, text, hint_key):
    vc = FakeVcenter()

    def failing():
        raise exc

    # max_concurrent=1: the slot of the failed submission must be given back or "after" would never start
    outcomes = TaskRunner(vc, max_concurrent=1, timeout=2, poll_interval=0.001).run(
        [("bad", failing), ("after", vc.job("after"))])
    assert outcomes["bad"].ok is False
    assert outcomes["bad"].fault == fault
    assert outcomes["bad"].error == text
    assert outcomes["bad"].hint == FAULT_HINTS[hint_key]
    assert outcomes["after"].ok is True
    assert vc.created == ["task-after"]


def test_submit_raising_a_transport_error_is_described():
    def refused():
        raise ConnectionRefusedError(111, "Connection refused")

    outcome = TaskRunner(FakeVcenter(), timeout=2, poll_interval=0.001).run([("x", refused)])["x"]
    assert outcome.ok is False
    assert outcome.fault == "ConnectionError"
    assert "Connection refused" in outcome.error


# ---------------------------------------------------------------- a submission is a changing call: unknown outcome

UNKNOWN = " (outcome unknown: vCenter may have created the task)"


@pytest.fixture
def eager_policy(monkeypatch):
    """A retry policy that would retry at once (no sleeps): a submission retried by mistake would show."""
    monkeypatch.setattr(retry, "POLICY", retry.RetryPolicy(sleep=lambda _seconds: None, rand=random.Random(3)))


class _Once(object):
    """A submission that raises ``exc`` and counts how often it was made."""

    def __init__(self, exc):
        self.exc = exc
        self.calls = 0

    def __call__(self):
        self.calls += 1
        raise self.exc


@pytest.mark.parametrize("exc", [
    http.client.HTTPException("503 Service Unavailable"),
    http.client.HTTPException("502 Bad Gateway"),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError(104, "Connection reset by peer"),
    socket.timeout("timed out"),
    ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
], ids=lambda exc: type(exc).__name__ + ":" + str(exc)[:12])
def test_a_submission_failing_on_a_transient_fault_says_the_outcome_is_unknown_and_is_not_retried(exc, eager_policy):
    vc = FakeVcenter()
    submit = _Once(exc)
    # one slot: the failed submission gives its slot back, so the next job still runs
    outcomes = TaskRunner(vc, max_concurrent=1, timeout=2, poll_interval=0.001).run(
        [("lost", submit), ("after", vc.job("after"))])
    lost = outcomes["lost"]
    assert lost.ok is False
    assert lost.error.endswith(UNKNOWN), lost.error
    assert lost.error.count("outcome unknown") == 1
    assert lost.hint == retry.UNKNOWN_OUTCOME_HINT
    assert submit.calls == 1, "a task submission was sent again"
    assert outcomes["after"].ok is True and vc.created == ["task-after"]


@pytest.mark.parametrize("exc, hint", [
    (vim.fault.InvalidPowerState(msg="The VM is powered on"), FAULT_HINTS["InvalidPowerState"]),
    (vim.fault.NotAuthenticated(msg="The session is not authenticated."), None),
    (vmodl.fault.SystemError(msg="boom", reason="boom"), None),
    (http.client.HTTPException("404 Not Found"), None),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), None),
    (ValueError("a bug of the product"), None),
], ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "hint")
def test_a_submission_failing_with_an_answer_or_a_permanent_fault_keeps_its_own_message(exc, hint, eager_policy):
    submit = _Once(exc)
    outcome = TaskRunner(FakeVcenter(), timeout=2, poll_interval=0.001).run([("x", submit)])["x"]
    expected = vsphere_tasks.vsphere_faults.describe(exc)
    assert outcome.ok is False
    assert (outcome.error, outcome.hint, outcome.fault) == expected
    assert "outcome unknown" not in outcome.error
    if hint is not None:
        assert outcome.hint == hint
    assert submit.calls == 1


def test_a_chain_step_whose_submission_lost_its_answer_ends_the_chain_there(eager_policy):
    vc = FakeVcenter()
    lost = _Once(http.client.RemoteDisconnected("Remote end closed connection without response"))
    later = []
    chain = ("vm1", [("snapshot", lambda _r: vc.create("vm1-snapshot")), ("power_on", lambda _r: lost()),
                     ("customize", lambda _r: later.append("customize"))])
    outcome = TaskRunner(vc, timeout=5, poll_interval=0.001).run_chains([chain])["vm1"]
    assert outcome.ok is False and outcome.step == "power_on"
    assert outcome.error.endswith(UNKNOWN) and outcome.hint == retry.UNKNOWN_OUTCOME_HINT
    assert sorted(outcome.results) == ["snapshot"]
    assert lost.calls == 1 and later == []


class _SoapWire(ThreadingHTTPServer):
    """A local vCenter stand-in: answers every SOAP POST with the next step of ``script`` (an HTTP status, or
    "reset" to close the connection without an answer) and counts the POSTs."""
    daemon_threads = True

    def __init__(self, script):
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _SoapWireHandler)
        self.script = list(script)
        self.posts = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _SoapWireHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts.append(body)
            step = self.server.script.pop(0) if self.server.script else 503
        if step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(step)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"busy")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("answer", [503, "reset"])
def test_a_real_pyvmomi_task_submission_is_sent_once_and_its_outcome_is_unknown(answer, eager_policy):
    wire = _SoapWire([answer])
    try:
        stub = SoapStubAdapter(host="127.0.0.1", port=-wire.server_address[1],
                               version=VmomiSupport.newestVersions.Get("vim"))
        vm = vim.VirtualMachine("vm-42", stub)
        outcome = TaskRunner(FakeVcenter(), timeout=2, poll_interval=0.001).run([("vm", vm.PowerOnVM_Task)])["vm"]
    finally:
        wire.shutdown()
        wire.server_close()
    assert outcome.ok is False
    assert outcome.error.endswith(UNKNOWN), outcome.error
    assert outcome.hint == retry.UNKNOWN_OUTCOME_HINT
    assert len(wire.posts) == 1 and b"PowerOnVM_Task" in wire.posts[0]


def test_submit_returning_none_is_done_without_polling():
    vc = FakeVcenter()
    calls = []

    def shutdown_guest():
        calls.append("shutdown")

    outcomes = TaskRunner(vc, max_concurrent=1, timeout=2, poll_interval=0.001).run(
        [("a", shutdown_guest), ("b", shutdown_guest), ("c", vc.job("c"))])
    assert calls == ["shutdown", "shutdown"]
    assert outcomes["a"].ok and outcomes["b"].ok and outcomes["c"].ok
    assert outcomes["a"].result is None
    # only the real task was ever read
    assert all(c == ["task-c"] for c in vc.calls)


def test_only_none_submissions_never_read_the_property_collector():
    vc = FakeVcenter()

    def noop():
        return None

    outcomes = TaskRunner(vc, timeout=2, poll_interval=0.001).run([(i, noop) for i in range(5)])
    assert sorted(outcomes) == list(range(5))
    assert all(o.ok for o in outcomes.values())
    assert vc.calls == []


def test_max_concurrent_is_at_least_one():
    assert TaskRunner(None, max_concurrent=0).max_concurrent == 1
    assert TaskRunner(None, max_concurrent="4").max_concurrent == 4


class _RecordingPool(vsphere_tasks.ThreadPoolExecutor):
    instances = []

    def __init__(self, *args, **kwargs):
        super(_RecordingPool, self).__init__(*args, **kwargs)
        _RecordingPool.instances.append(self)


class _RecordingThreading(object):
    Lock = threading.Lock
    Event = threading.Event
    semaphores = []

    @classmethod
    def BoundedSemaphore(cls, value):
        sem = threading.BoundedSemaphore(value)
        cls.semaphores.append(sem)
        return sem


def test_timeout_leaves_no_worker_blocked(monkeypatch):
    monkeypatch.setattr(vsphere_tasks, "ThreadPoolExecutor", _RecordingPool)
    monkeypatch.setattr(vsphere_tasks, "threading", _RecordingThreading)
    del _RecordingPool.instances[:]
    del _RecordingThreading.semaphores[:]
    vc = FakeVcenter(never=["task-a", "task-b", "task-c"])
    outcomes = TaskRunner(vc, max_concurrent=1, timeout=0.05, poll_interval=0.005).run(
        [("a", vc.job("a")), ("b", vc.job("b")), ("c", vc.job("c"))])
    assert [outcomes[k].fault for k in "abc"] == ["Timeout"] * 3
    threads = [t for pool in _RecordingPool.instances for t in pool._threads]
    try:
        for thread in threads:
            thread.join(0.3)
        assert not [t for t in threads if t.is_alive()], "a TaskRunner worker is still blocked after run() returned"
        assert vc.created == ["task-a"], "jobs reported as timed out were submitted later"
    finally:
        # unblock the stuck worker so this test process can exit
        for attempt in range(20):
            if not [t for t in threads if t.is_alive()]:
                break
            for sem in _RecordingThreading.semaphores:
                try:
                    sem.release()
                except ValueError:
                    pass
            for thread in threads:
                thread.join(0.05 + attempt * 0.01)


# ---------------------------------------------------------------- chains: per-VM steps, bounded, no barrier

STEPS = ("copy", "create", "customize", "power_on")


class Recorder(object):
    """Wraps FakeVcenter.create: logs (event, chain, step) for every submission and every finish."""

    def __init__(self, vc):
        self.vc = vc
        self.lock = threading.Lock()
        self.log = []
        self.previous = {}
        self.early = []  # steps submitted before the chain's previous task was seen finished

    def step(self, chain, name):
        def submit(results):
            with self.lock:
                if name in STEPS[1:]:
                    before = "task-%s-%s" % (chain, STEPS[STEPS.index(name) - 1])
                    self.early += [] if before in self.vc.finished else [(chain, name)]
                self.log.append(("submit", chain, name))
                self.previous[(chain, name)] = dict(results)
            return self.vc.create("%s-%s" % (chain, name))
        return (name, submit)

    def chains(self, count, steps=STEPS):
        return [("vm%02d" % i, [self.step("vm%02d" % i, s) for s in steps]) for i in range(count)]


def test_each_chain_runs_its_steps_in_order_and_all_succeed():
    vc = FakeVcenter(finish_after=2)
    rec = Recorder(vc)
    outcomes = TaskRunner(vc, max_concurrent=4, timeout=10, poll_interval=0.001).run_chains(rec.chains(10))

    assert list(outcomes) == ["vm%02d" % i for i in range(10)]
    assert all(o.ok for o in outcomes.values()), outcomes
    assert all(o.step == "power_on" and sorted(o.results) == sorted(STEPS) for o in outcomes.values())
    for i in range(10):
        mine = [s for _e, c, s in rec.log if c == "vm%02d" % i]
        assert mine == list(STEPS)
    assert rec.early == []
    assert vc.polled_after_finish == []
    assert len(vc.created) == 40


def test_never_more_than_max_concurrent_tasks_in_flight_across_chains():
    vc = FakeVcenter(finish_after=3)
    rec = Recorder(vc)
    outcomes = TaskRunner(vc, max_concurrent=3, timeout=10, poll_interval=0.001).run_chains(rec.chains(12))
    assert all(o.ok for o in outcomes.values())
    assert vc.max_inflight == 3
    assert max(len(c) for c in vc.calls) <= 3


def test_a_chain_moves_on_before_new_chains_start():
    # with 2 slots, a third chain starts only when one of the first two has run all its steps
    vc = FakeVcenter(finish_after=1)
    rec = Recorder(vc)
    TaskRunner(vc, max_concurrent=2, timeout=10, poll_interval=0.001).run_chains(rec.chains(6))
    started, ended = [], 0
    for _event, chain, step in rec.log:
        if step == STEPS[0]:
            started.append(chain)
            assert len(started) - ended <= 2, rec.log
        if step == STEPS[-1]:
            ended += 1
    assert started == ["vm%02d" % i for i in range(6)]


def test_no_barrier_a_stuck_vm_does_not_hold_back_the_others():
    vc = FakeVcenter(never=["task-vm00-create"])
    rec = Recorder(vc)
    outcomes = TaskRunner(vc, max_concurrent=2, timeout=0.5, poll_interval=0.001).run_chains(rec.chains(4))
    assert [outcomes["vm%02d" % i].ok for i in range(4)] == [False, True, True, True]
    stuck = outcomes["vm00"]
    assert stuck.fault == "Timeout" and stuck.step == "create"
    assert sorted(stuck.results) == ["copy"]
    # the stuck VM's later steps were never submitted, the others ran to the end meanwhile
    assert ("submit", "vm00", "customize") not in rec.log
    assert all(("submit", "vm%02d" % i, "power_on") in rec.log for i in (1, 2, 3))


def test_each_step_sees_the_results_of_the_steps_before_it():
    vm = vim.VirtualMachine("vm-77")
    vc = FakeVcenter(results={"task-vm00-create": vm})
    rec = Recorder(vc)
    outcome = TaskRunner(vc, timeout=5, poll_interval=0.001).run_chains(rec.chains(1))["vm00"]
    assert outcome.ok
    assert rec.previous[("vm00", "copy")] == {}
    assert sorted(rec.previous[("vm00", "customize")]) == ["copy", "create"]
    assert rec.previous[("vm00", "power_on")]["create"]._moId == "vm-77"
    assert outcome.results["create"]._moId == "vm-77"


def test_a_failed_step_ends_only_its_chain_and_names_the_step():
    errors = {"task-vm01-customize": vim.LocalizedMethodFault(
        fault=vim.fault.CustomizationFault(msg="no tools"), localizedMessage="Customization failed")}
    vc = FakeVcenter(errors=errors)
    rec = Recorder(vc)
    outcomes = TaskRunner(vc, max_concurrent=2, timeout=5, poll_interval=0.001).run_chains(rec.chains(3))
    bad = outcomes["vm01"]
    assert bad.ok is False and bad.step == "customize" and bad.error == "Customization failed"
    assert sorted(bad.results) == ["copy", "create"]
    assert ("submit", "vm01", "power_on") not in rec.log
    assert outcomes["vm00"].ok and outcomes["vm02"].ok


def test_a_step_that_raises_or_returns_none():
    vc = FakeVcenter()
    done = []

    def raises(_previous):
        raise vim.fault.InvalidPowerState(msg="The VM is powered on")

    def no_task(_previous):
        done.append("mkdir")

    outcomes = TaskRunner(vc, max_concurrent=1, timeout=5, poll_interval=0.001).run_chains([
        ("a", [("mkdir", no_task), ("power_on", raises), ("never", no_task)]),
        ("b", [("mkdir", no_task), ("copy", lambda _p: vc.create("b-copy"))])])
    assert outcomes["a"].ok is False and outcomes["a"].step == "power_on"
    assert outcomes["a"].fault == "InvalidPowerState"
    assert outcomes["b"].ok and outcomes["b"].step == "copy"
    assert done == ["mkdir", "mkdir"]


def test_empty_chains_are_left_out():
    assert TaskRunner(FakeVcenter()).run_chains([("a", [])]) == {}


def test_a_step_failing_with_an_accepted_fault_counts_as_done():
    errors = {"task-a-off": vim.LocalizedMethodFault(fault=vim.fault.InvalidPowerState(msg="already off")),
              "task-b-off": vim.LocalizedMethodFault(fault=vim.fault.TaskInProgress(msg="busy"))}
    vc = FakeVcenter(errors=errors)

    def chain(name):
        return (name, [("off", lambda _r: vc.create("%s-off" % name), ("InvalidPowerState",)),
                       ("destroy", lambda _r: vc.create("%s-destroy" % name))])

    outcomes = TaskRunner(vc, max_concurrent=2, timeout=5, poll_interval=0.001).run_chains([chain("a"), chain("b")])
    assert outcomes["a"].ok and outcomes["a"].step == "destroy"
    assert outcomes["b"].ok is False and outcomes["b"].step == "off" and outcomes["b"].fault == "TaskInProgress"
    assert "task-a-destroy" in vc.created and "task-b-destroy" not in vc.created


# ---------------------------------------------------------------- gates: a step held back until a gate opens

def test_a_gated_step_waits_without_a_slot_until_the_gate_opens():
    from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import Gate
    vc = FakeVcenter()
    gate = Gate()
    log = []

    def step(name):
        def submit(_results):
            log.append(name)
            if name == "b-prepare-2":
                gate.open()  # the ungated chain opens the gate once it got this far
            return vc.create(name)
        return submit

    chains = [("a", [("prepare", step("a-prepare")), ("power_on", step("a-power_on"), (), gate)]),
              ("b", [("prepare", step("b-prepare-1")), ("more", step("b-prepare-2")), ("last", step("b-last"))])]
    # one slot: if the parked chain kept it, chain b could never run and the gate would never open
    outcomes = TaskRunner(vc, max_concurrent=1, timeout=5, poll_interval=0.001).run_chains(chains)
    assert outcomes["a"].ok and outcomes["b"].ok
    assert log.index("a-power_on") > log.index("b-prepare-2")
    assert log.index("a-prepare") < log.index("b-prepare-2")


def test_a_closed_gate_ends_its_chains_not_started_and_calls_back():
    from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import Gate
    vc = FakeVcenter()
    gate = Gate()
    gate.close("not started: VMs of an earlier wave failed (db-1)")
    done = []
    chains = [("web-%d" % i, [("prepare", lambda _r, i=i: vc.create("p%d" % i)),
                              ("power_on", lambda _r, i=i: vc.create("on%d" % i), (), gate)]) for i in range(3)]
    outcomes = TaskRunner(vc, max_concurrent=2, timeout=5, poll_interval=0.001).run_chains(
        chains, on_done=lambda key, outcome: done.append(key))
    assert sorted(done) == ["web-0", "web-1", "web-2"]
    for outcome in outcomes.values():
        assert outcome.ok is False and outcome.step == "power_on" and outcome.fault == "NotStarted"
        assert outcome.error == "not started: VMs of an earlier wave failed (db-1)"
        assert sorted(outcome.results) == ["prepare"]
    assert not [m for m in vc.created if m.startswith("task-on")]
