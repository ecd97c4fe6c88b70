# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Submit many vCenter tasks with a bound on how many run at once, and wait for them together.

Work comes as chains: one list of steps per VM, run in order. A step submits one task (or does
its work in the call and returns None). As soon as a task is seen finished, its slot is free and
its chain moves on to its next step, ahead of chains that have not started yet; there is no
barrier between steps of different VMs. At most ``max_concurrent`` tasks are being submitted or
running at any time.

Completion is watched by one bulk PropertyCollector read of every task in flight, not one poll per
task. The watcher reads again as soon as a read returns while tasks are in flight and new tasks
were submitted, and backs off up to ``poll_interval`` only while nothing changes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import heapq
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry, vsphere_faults
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects

try:
    from pyVmomi import vim
except ImportError:
    pass

DEFAULT_MAX_CONCURRENT = 16
TASK_PATHS = ["info.state", "info.error", "info.result"]


class TaskOutcome(object):
    """The end of one job or chain. ``step`` names the step that failed (or the last one),
    ``results`` holds the result of every step that succeeded, by step name."""

    def __init__(self, key, ok, result=None, error=None, hint=None, fault=None, seconds=0.0, step=None,
                 results=None):
        self.key = key
        self.ok = ok
        self.result = result
        self.error = error
        self.hint = hint
        self.fault = fault
        self.seconds = seconds
        self.step = step
        self.results = results or {}

    def __repr__(self):
        return "TaskOutcome(%r, ok=%r, step=%r, error=%r)" % (self.key, self.ok, self.step, self.error)


class Gate(object):
    """Holds back chain steps until it opens: a step given a gate is not submitted, and takes no slot, before
    ``open()``; after ``close(reason)`` the chains waiting at it end failed with ``reason``."""

    def __init__(self):
        self.state = None  # None (waiting), "open" or "closed"
        self.reason = None
        self._listeners = []
        self._lock = threading.Lock()

    def open(self):
        self._settle("open", None)

    def close(self, reason):
        self._settle("closed", reason)

    def _settle(self, state, reason):
        with self._lock:
            if self.state is None:
                self.state, self.reason = state, reason
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def listen(self, listener):
        with self._lock:
            self._listeners.append(listener)


class _Chain(object):
    def __init__(self, key, steps):
        self.key = key
        self.steps = steps
        self.index = 0
        self.results = {}
        self.began = None
        self.step_began = None

    @property
    def step(self):
        return self.steps[self.index][0]


class TaskRunner(object):
    """``run(jobs)`` where jobs are (key, submit) and ``submit()`` returns a vim.Task (or None when the
    call itself finished the work, e.g. ShutdownGuest). ``run_chains(chains)`` where chains are
    (key, [(step, submit(results)[, accepted_faults[, gate]]), ...]) and ``results`` maps the chain's finished
    steps to their results (a step's task result, e.g. the VM of CreateVM_Task). A step that fails with a fault
    named in ``accepted_faults`` (e.g. InvalidPowerState for a power-off) counts as done. A step with a ``Gate``
    waits, without a slot, until the gate opens. ``on_done(key, outcome)`` is called as each chain ends."""

    def __init__(self, si, max_concurrent=DEFAULT_MAX_CONCURRENT, timeout=1800, poll_interval=1.0):
        self.si = si
        self.max_concurrent = max(1, int(max_concurrent))
        self.timeout = timeout
        self.poll_interval = poll_interval

    def run(self, jobs):
        return self.run_chains([(key, [(None, _ignore_previous(fn))]) for key, fn in jobs])

    def run_chains(self, chains, on_done=None):
        chains = [_Chain(key, list(steps)) for key, steps in chains if steps]
        if not chains:
            return {}
        state = _RunState(self, chains, on_done)
        pool = ThreadPoolExecutor(max_workers=min(self.max_concurrent, len(chains)))
        try:
            for _i in range(min(self.max_concurrent, len(chains))):
                pool.submit(state.worker)
            state.watch()
        finally:
            state.stop.set()
            state.wake_workers()
            pool.shutdown(wait=True)
        return state.outcomes_with_timeouts()

    def _poll(self, watching, started):
        by_task = dict((task._moId, key) for key, task in watching.items())
        rows = retrieve_objects(self.si, watching.values(), TASK_PATHS, obj_type=vim.Task)
        finished = {}
        for task, props in rows:
            key = by_task.get(task._moId)
            state = props.get("info.state")
            if key is None or state not in ("success", "error"):
                continue
            seconds = time.time() - started.get(key, time.time())
            if state == "success":
                finished[key] = TaskOutcome(key, True, result=props.get("info.result"), seconds=seconds)
            else:
                error = props.get("info.error")
                fault = getattr(error, "fault", None) or error
                message, hint, name = vsphere_faults.describe(fault)
                if getattr(error, "localizedMessage", None):
                    message = error.localizedMessage
                finished[key] = TaskOutcome(key, False, error=message, hint=hint, fault=name, seconds=seconds)
        return finished


def _ignore_previous(fn):
    return lambda _results: fn()


class _RunState(object):
    """One run_chains(): the ready queue (chains that move on first, then new chains in order), the tasks
    in flight, the slots, and the outcomes."""

    def __init__(self, runner, chains, on_done=None):
        self.runner = runner
        self.on_done = on_done
        self.parked = {}  # id(gate) -> (gate, [keys]): chains waiting at a gate that is not open yet
        self.chains = dict((c.key, c) for c in chains)
        self.order = [c.key for c in chains]
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(runner.max_concurrent)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.ready = []  # heap of (rank, seq, key): rank 0 = a chain moving on, 1 = a chain not started yet
        self.seq = itertools.count()
        self.work = threading.Event()
        for key in self.order:
            heapq.heappush(self.ready, (1, next(self.seq), key))
        self.work.set()
        self.inflight = {}
        self.started = {}
        self.outcomes = {}
        self.deadline = time.time() + runner.timeout

    def wake_workers(self):
        self.work.set()

    def _take(self):
        with self.lock:
            if self.ready:
                return heapq.heappop(self.ready)[2]
            self.work.clear()
            return None

    def worker(self):
        while not self.stop.is_set():
            # wait for a slot, but give up when run() is over (timeout), so no worker outlives it
            if not self.slots.acquire(timeout=0.2):
                continue
            key = None
            while key is None and not self.stop.is_set():
                key = self._take()
                if key is None:
                    self.work.wait(0.2)
            if key is None:
                self.slots.release()
                return
            if self._park(self.chains[key]):
                self.slots.release()
                continue
            self._submit(self.chains[key])

    def _park(self, chain):
        """True when the chain's next step waits at a gate that is not open; it is queued again on opening."""
        step = chain.steps[chain.index]
        gate = step[3] if len(step) > 3 else None
        if gate is None or gate.state == "open":
            return False
        if gate.state == "closed":
            self._advance(chain, TaskOutcome(chain.key, False, error=gate.reason, fault="NotStarted",
                                             hint="Fix what held it back and rerun"))
            return True
        with self.lock:
            if id(gate) not in self.parked:
                self.parked[id(gate)] = (gate, [])
                gate.listen(lambda: self._unpark(gate))
            self.parked[id(gate)][1].append(chain.key)
        if gate.state is not None:  # settled meanwhile: do not wait for a listener that already ran
            self._unpark(gate)
        return True

    def _unpark(self, gate):
        with self.lock:
            keys = self.parked.pop(id(gate), (gate, []))[1]
            for key in keys:
                heapq.heappush(self.ready, (0, next(self.seq), key))
        self.work.set()

    def _submit(self, chain):
        now = time.time()
        if chain.began is None:
            chain.began = now
        chain.step_began = now
        self.started[chain.key] = now
        try:
            task = chain.steps[chain.index][1](chain.results)
        except Exception as exc:  # pylint: disable=broad-except
            # a submission is a changing call: never retried (clients/retry.py), and when its request may have
            # reached vCenter before the answer was lost, the task may exist and run
            message, hint, fault = vsphere_faults.describe(exc)
            if retry.is_transient(exc):
                message += " (outcome unknown: vCenter may have created the task)"
                hint = retry.UNKNOWN_OUTCOME_HINT
            self._advance(chain, TaskOutcome(chain.key, False, error=message, hint=hint, fault=fault))
            self.slots.release()
            return
        if task is None:
            self._advance(chain, TaskOutcome(chain.key, True))
            self.slots.release()
            return
        with self.lock:
            self.inflight[chain.key] = task
        self.wake.set()

    def _advance(self, chain, outcome):
        """A step ended: finish the chain, or queue its next step ahead of chains not started yet."""
        name = chain.steps[chain.index][0]
        accepted = chain.steps[chain.index][2] if len(chain.steps[chain.index]) > 2 else ()
        if not outcome.ok and outcome.fault in accepted:
            outcome = TaskOutcome(chain.key, True)
        if outcome.ok:
            chain.results[name] = outcome.result
        if outcome.ok and chain.index + 1 < len(chain.steps):
            chain.index += 1
            with self.lock:
                heapq.heappush(self.ready, (0, next(self.seq), chain.key))
            self.work.set()
            return
        outcome.step = name
        outcome.results = chain.results
        outcome.seconds = time.time() - (chain.began or time.time())
        with self.lock:
            self.outcomes[chain.key] = outcome
        if self.on_done is not None:
            self.on_done(chain.key, outcome)

    def watch(self):
        pause = 0.0
        while True:
            self.wake.clear()
            with self.lock:
                watching = dict(self.inflight)
                done_count = len(self.outcomes)
            if done_count == len(self.order) or time.time() > self.deadline:
                return
            if not watching:
                self.wake.wait(0.05)  # submitters are still calling vCenter
                continue
            finished = self.runner._poll(watching, self.started)
            for key, outcome in finished.items():
                with self.lock:
                    self.inflight.pop(key, None)
                # queue the chain's next step before its slot is free, so it goes ahead of new chains
                self._advance(self.chains[key], outcome)
                self.slots.release()
            # read again at once after progress or new submissions; back off while tasks only run
            pause = 0.0 if finished else min(self.runner.poll_interval, max(0.05, pause * 2))
            if pause:
                self.wake.wait(pause)

    def outcomes_with_timeouts(self):
        timeout = self.runner.timeout
        for key in self.order:
            if key not in self.outcomes:
                chain = self.chains[key]
                never_started = chain.began is None
                self.outcomes[key] = TaskOutcome(
                    key, False, error=("task was not started: the step ran out of its %s s" if never_started
                                       else "task did not finish within %s s") % timeout,
                    hint="It may still be running in vCenter; check the task list, then rerun or raise timeout",
                    fault="Timeout", step=chain.step, results=chain.results,
                    seconds=0.0 if never_started else time.time() - chain.began)
        return dict((key, self.outcomes[key]) for key in self.order)
