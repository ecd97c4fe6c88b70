# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned and unplanned failover, once for every provider: bulk read, validate everything, then step chains.

The order of the steps and what undoes them is decided here, not in the adapters:

planned     stop sources -> final recovery point -> confirm sources off -> fence sources -> promote replicas
            -> start replicas (point of no return) -> wait until ready (promised addresses seen)
unplanned   check sources (refuse a running one unless allowed) -> promote replicas -> start replicas (point of no
            return) -> fence reachable sources -> wait until ready

A planned failover that fails before a replica starts leaves production as it found it: the compensation of
"stop sources" starts each source again, "fence" is undone, a promoted replica is demoted. Everything the adapter
can check before the first change (placement, staged customizations, recovery points, networks, re-IP, capacity)
is checked in ``problems`` and refuses the whole call, so no check that could be made first is made after the
sources are off.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.engine import readiness, waits
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Chain, Outcome, Step
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems


def wait_ready(adapter, ctx, settings):
    """The 'wait until ready' step of every chain: the adapter's bulk readiness poll, with the run's deadline."""
    def run(labels):
        want = [label for label in labels if ctx.needs_wait(label)]
        out = dict((label, Outcome()) for label in labels if label not in want)
        if not want or not settings.get("wait_ready", True):
            return dict((label, Outcome()) for label in labels)
        got = waits.wait(readiness.GUEST_READY, want, lambda pending: adapter.poll_ready(ctx, pending),
                         settings.get("ready_timeout") or 600, site=ctx.target_name(want[0]),
                         step="wait until ready", started=ctx.started)
        for label, (state, error, seconds) in got.items():
            details = {"time_to_ready_seconds": seconds, "ready": error is None}
            if state is not None:
                details["addresses_seen"] = sorted(state.get("addresses") or [])
                details["addresses_expected"] = sorted(state.get("expected") or [])
            out[label] = Outcome(error=error, details=details)
        return out
    return run


def planned_steps(adapter, ctx, settings):
    source, target = ctx.source_site_name(), ctx.target_site_name()
    return [
        Step("stop source", source, lambda labels: adapter.stop_sources(ctx, labels),
             compensate=lambda labels: adapter.start_sources(ctx, labels), compensation_name="start source again"),
        Step("final recovery point", source, lambda labels: adapter.final_sync(ctx, labels),
             compensate=lambda labels: adapter.undo_final_sync(ctx, labels),
             compensation_name="cancel the prepared failover"),
        Step("confirm source off", source, lambda labels: adapter.confirm_sources_off(ctx, labels)),
        Step("fence source", source, lambda labels: adapter.fence_sources(ctx, labels),
             compensate=lambda labels: adapter.unfence_sources(ctx, labels), compensation_name="unfence source"),
        Step("promote replica", target, lambda labels: adapter.promote_replicas(ctx, labels),
             compensate=lambda labels: adapter.demote_replicas(ctx, labels), compensation_name="demote replica"),
        Step("start replica", target, lambda labels: adapter.start_replicas(ctx, labels), point_of_no_return=True),
        Step("wait until ready", target, wait_ready(adapter, ctx, settings)),
    ]


def unplanned_steps(adapter, ctx, settings):
    source, target = ctx.source_site_name(), ctx.target_site_name()
    return [
        Step("promote replica", target, lambda labels: adapter.promote_replicas(ctx, labels),
             compensate=lambda labels: adapter.demote_replicas(ctx, labels), compensation_name="demote replica"),
        Step("start replica", target, lambda labels: adapter.start_replicas(ctx, labels), point_of_no_return=True),
        Step("fence source", source, lambda labels: adapter.fence_sources(ctx, labels)),
        Step("wait until ready", target, wait_ready(adapter, ctx, settings)),
    ]


STEPS = {"planned": planned_steps, "unplanned": unplanned_steps}


def run(adapter, batch, refs, mode, settings, check_mode):
    """The engine's failover: ``adapter.failover_context`` reads, ``adapter.failover_problems`` validates with no
    change (one refusal for all problems), then the chain. Returns ``batch``."""
    ctx = adapter.failover_context(batch, refs, mode, settings)
    problems = Problems()
    adapter.failover_problems(ctx, problems)
    problems.refuse()
    labels = ctx.todo()
    adapter.describe(ctx, batch)
    if check_mode or not labels:
        return batch
    Chain(batch, STEPS[mode](adapter, ctx, settings)).run(labels)
    adapter.finish(ctx, batch)
    return batch
