# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-VM step chains with compensation: how every changing operation runs after validation.

A chain is a list of ``Step``s. Each step runs for all VMs still on the chain at once (one bulk call per site: the
adapters group by host or by vCenter), returns an outcome per VM, and may name a compensation that undoes it. Nothing
raises out of a chain once it started: an exception from a step becomes the failure of every VM in that step. A VM
that fails leaves the chain, and the compensations of the steps it completed run for it in reverse order (for
example: a source shut down for a planned failover that cannot go on is started again). The VM's result lists the
compensations that ran and how each ended, so the operator knows the state each VM was left in. A compensation that
fails stops the older ones of that VM (they are listed under ``not_run``): each assumes the newer ones succeeded.

A step marked ``point_of_no_return`` ends compensation: once a replica may be running, undoing earlier steps could
run both copies, so a later failure is reported and nothing is undone.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError


class Outcome(object):
    """What one step did for one VM: ``changed``, optional ``details`` for the result, or an ``error``."""

    def __init__(self, changed=False, error=None, details=None, done=False):
        self.changed = changed
        self.error = error
        self.details = details or {}
        self.done = done  # the VM needs no further step (already in the wanted state)

    @property
    def ok(self):
        return self.error is None


class Step(object):
    """``run(labels) -> {label: Outcome}``; a label missing from the answer failed with "no answer".

    ``compensate(labels) -> {label: Outcome}`` undoes the step for VMs that failed later in the chain."""

    def __init__(self, name, site, run, compensate=None, compensation_name=None, point_of_no_return=False):
        self.name = name
        self.site = site
        self.run = run
        self.compensate = compensate
        self.compensation_name = compensation_name or ("undo %s" % name)
        self.point_of_no_return = point_of_no_return


def _error(label, exc, site, step):
    """The VM's error, located at the engine's step: every provider reports the same step names (the adapter's own
    finer step, such as 'shut down source guest', stays in the message)."""
    if isinstance(exc, VmdrError):
        exc.vm = exc.vm or label
        exc.site = exc.site or site
        if exc.step and exc.step != step and not exc.message.startswith(exc.step + ": "):
            exc.message = "%s: %s" % (exc.step, exc.message)
        exc.step = step
        return exc
    return VmdrError("%s: %s" % (type(exc).__name__, exc), vm=label, site=site, step=step,
                     hint="This is a fault of the tool or the site API; the VM's state is in its result")


def _guarded(fn, labels, site, step):
    """Runs a bulk step; an exception becomes each VM's failure instead of escaping the chain."""
    try:
        answer = fn(list(labels)) or {}
    except Exception as exc:  # pylint: disable=broad-except
        return dict((label, Outcome(error=_error(label, exc, site, step))) for label in labels)
    out = {}
    for label in labels:
        got = answer.get(label)
        if got is None:
            got = Outcome(error=VmdrError("the step gave no answer for this VM", vm=label, site=site, step=step,
                                          hint="Rerun the call; it continues from the state recorded at the sites"))
        elif got.error is not None:
            got.error = _error(label, got.error, site, step)
        out[label] = got
    return out


class Chain(object):
    """Runs ``steps`` over ``labels`` and records every outcome in ``batch`` (common.results.Batch)."""

    def __init__(self, batch, steps):
        self.batch = batch
        self.steps = list(steps)

    def run(self, labels):
        active = [label for label in labels if not self.batch[label].failed]
        completed = dict((label, []) for label in active)
        for index, step in enumerate(self.steps):
            if not active:
                break
            outcomes = _guarded(step.run, active, step.site, step.name)
            failed, still = [], []
            for label in active:
                outcome = outcomes[label]
                item = self.batch[label]
                item.changed = item.changed or outcome.changed
                item.details.update(outcome.details)
                if outcome.error is not None:
                    self.batch.fail(label, outcome.error, site=step.site, step=step.name)
                    failed.append(label)
                    continue
                completed[label].append(step)
                if not outcome.done:
                    still.append(label)
            self._compensate(failed, completed)
            active = still
        return self.batch

    def _compensate(self, failed, completed):
        """Undo, newest first, what each failed VM completed before its point of no return."""
        todo = {}
        for label in failed:
            steps = completed[label]
            if any(s.point_of_no_return for s in steps):
                self.batch[label].details["compensation"] = {"ran": [], "reason": "past the point of no return"}
                continue
            self.batch[label].details["compensation"] = {"ran": []}
            for step in reversed(steps):
                if step.compensate is not None:
                    todo.setdefault(id(step), (step, []))[1].append(label)
        # a compensation that fails stops the older ones of that VM: they assume it was undone (a source must not be
        # started again while its replica could not be demoted)
        blocked = {}
        for step in reversed(self.steps):
            if id(step) not in todo:
                continue
            labels = [label for label in todo[id(step)][1] if label not in blocked]
            for label in todo[id(step)][1]:
                if label in blocked:
                    self.batch[label].details["compensation"].setdefault("not_run", []).append(
                        {"step": step.compensation_name, "site": step.site,
                         "reason": "'%s' failed before it" % blocked[label]})
            if not labels:
                continue
            for label, outcome in _guarded(step.compensate, labels, step.site, step.compensation_name).items():
                entry = {"step": step.compensation_name, "site": step.site, "ok": outcome.ok,
                         "changed": outcome.changed}
                if outcome.error is not None:
                    entry["error"] = str(outcome.error)
                    blocked[label] = step.compensation_name
                self.batch[label].details["compensation"]["ran"].append(entry)
                self.batch[label].changed = self.batch[label].changed or outcome.changed
