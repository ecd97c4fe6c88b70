# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The final recovery point of a planned failover, and fencing the sources.

final sync      PREPARE_PRIMARY on the source host: Start-VMFailover -Prepare of the primaries the stop shut down
                (reference section 5 row 9). It sends the changes not replicated yet and leaves each primary
                PreparedForFailover. A primary that cannot be prepared fails alone; it is not started again here but
                by the compensation of the stop (power.start_sources).
undo            CANCEL_PRIMARY: Stop-VMFailover on the primary (row 14), so that replication restarts and the
                primary can be started again (by power.start_sources, the next compensation).
fence           Hyper-V has no fence of its own. A primary PreparedForFailover cannot be started (Start-VM refuses it
                until Stop-VMFailover), so after the final sync the sources of a planned failover are fenced, and
                confirm_sources_off read that state. An unplanned failover changes nothing at the source: its
                replication fails at the next cycle, and the reverse makes it the replica.
unfence         nothing to undo: cancelling the prepared failover (undo) lifts it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts

FINAL_SYNC, UNDO = "final recovery point", "cancel the prepared failover"


def _run(p, ctx, labels, todo, step, body, key=None):
    """``body`` for ``todo`` (one command per source host); {label: Outcome} of ``labels``, the others unchanged.
    With ``key`` the answer of each VM is kept in ctx.vms[label][key]."""
    out = dict((label, Outcome()) for label in labels if label not in todo)
    got = inventory.run_outcomes(p, "source", step, body, {}, ctx.entries(todo))
    for label in todo:
        data, error = got.get(label, (None, None))
        if error is not None:
            out[label] = Outcome(error=error)
        elif data is not None:
            if key is not None:
                ctx.vms[label][key] = data
            out[label] = Outcome(changed=bool(data.get("changed")))
    return out


def final_sync(p, ctx, labels):
    todo = [label for label in labels if ctx.vms[label].get("stopped")]
    return _run(p, ctx, labels, todo, FINAL_SYNC, scripts.PREPARE_PRIMARY, key="prepare")


def undo_final_sync(p, ctx, labels):
    todo = [label for label in labels if ctx.vms[label].get("prepare") is not None
            and not ctx.vms[label].get("reversed")]
    return _run(p, ctx, labels, todo, UNDO, scripts.CANCEL_PRIMARY)


def fence_sources(p, ctx, labels):
    fenced = ctx.mode == "planned"
    return dict((label, Outcome(details={"source_fenced": fenced} if ctx.phase(label) == "failover" else None))
                for label in labels)


def unfence_sources(p, ctx, labels):
    return dict((label, Outcome()) for label in labels)
