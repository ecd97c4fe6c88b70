# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Submit many vCenter tasks with a bound on how many run at once, and wait for them together.

Submission runs on a small thread pool (a real vCenter answers each call quickly and runs the
task asynchronously; simulators run it inside the call). Completion is watched by one bulk
PropertyCollector read of every task in flight, not one poll per task.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmdr.replication.plugins.module_utils.clients import vsphere_faults
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects

try:
    from pyVmomi import vim
except ImportError:
    pass

DEFAULT_MAX_CONCURRENT = 16


class TaskOutcome(object):
    def __init__(self, key, ok, result=None, error=None, hint=None, fault=None, seconds=0.0):
        self.key = key
        self.ok = ok
        self.result = result
        self.error = error
        self.hint = hint
        self.fault = fault
        self.seconds = seconds

    def __repr__(self):
        return "TaskOutcome(%r, ok=%r, error=%r)" % (self.key, self.ok, self.error)


class TaskRunner(object):
    """``run(jobs)`` where jobs are (key, submit) and ``submit()`` returns a vim.Task (or None when the
    call itself finished the work, e.g. ShutdownGuest)."""

    def __init__(self, si, max_concurrent=DEFAULT_MAX_CONCURRENT, timeout=1800, poll_interval=1.0):
        self.si = si
        self.max_concurrent = max(1, int(max_concurrent))
        self.timeout = timeout
        self.poll_interval = poll_interval

    def run(self, jobs):
        jobs = list(jobs)
        if not jobs:
            return {}
        outcomes = {}
        inflight = {}
        lock = threading.Lock()
        slots = threading.BoundedSemaphore(self.max_concurrent)
        started = {}
        deadline = time.time() + self.timeout

        stop = threading.Event()

        def submit(key, fn):
            # wait for a slot, but give up when run() is over (timeout), so no worker outlives it
            while not slots.acquire(timeout=0.2):
                if stop.is_set():
                    return
            if stop.is_set():
                slots.release()
                return
            started[key] = time.time()
            try:
                task = fn()
            except Exception as exc:  # pylint: disable=broad-except
                slots.release()
                message, hint, fault = vsphere_faults.describe(exc)
                with lock:
                    outcomes[key] = TaskOutcome(key, False, error=message, hint=hint, fault=fault,
                                                seconds=time.time() - started[key])
                return
            if task is None:
                slots.release()
                with lock:
                    outcomes[key] = TaskOutcome(key, True, seconds=time.time() - started[key])
                return
            with lock:
                inflight[key] = task

        pool = ThreadPoolExecutor(max_workers=self.max_concurrent)
        try:
            for key, fn in jobs:
                pool.submit(submit, key, fn)
            pause = 0.0
            while True:
                with lock:
                    watching = dict(inflight)
                    done_count = len(outcomes)
                if done_count == len(jobs) or time.time() > deadline:
                    break
                if not watching:
                    time.sleep(0.01)  # submitters are still calling vCenter
                    continue
                finished = self._poll(watching, started)
                for key, outcome in finished.items():
                    with lock:
                        inflight.pop(key, None)
                        outcomes[key] = outcome
                    slots.release()
                # poll again at once after progress; back off while tasks run (one bulk read at a time)
                pause = 0.0 if finished else min(self.poll_interval, max(0.05, pause * 2))
                time.sleep(pause)
        finally:
            stop.set()
            pool.shutdown(wait=True)
        for key, _fn in jobs:
            if key not in outcomes:
                never_started = key not in started
                outcomes[key] = TaskOutcome(
                    key, False, error=("task was not started: the step ran out of its %s s" if never_started
                                       else "task did not finish within %s s") % self.timeout,
                    hint="It may still be running in vCenter; check the task list, then rerun or raise timeout",
                    fault="Timeout")
        return outcomes

    def _poll(self, watching, started):
        by_task = dict((task._moId, key) for key, task in watching.items())
        rows = retrieve_objects(self.si, watching.values(), ["info.state", "info.error", "info.result"],
                                obj_type=vim.Task)
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
