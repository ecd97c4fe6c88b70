# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Promote and demote replicas, and the recovery point a failover uses.

promote  Start-VMFailover on the replica host (reference §5 row 10), from the chosen recovery point, after the
         replica's NICs are connected to the live switches and its failover TCP/IP settings are set
         (FAILOVER_REPLICA without reverse, commit or start). The reverse of a planned failover
         (Set-VMReplication -Reverse, row 16) and the commit of an unplanned one (Complete-VMFailover, row 15) run in
         the start step instead, right before Start-VM, so that until then the failover can still be undone.
demote   Stop-VMFailover on the replica host (row 13): the replica is turned off and replicates again. Possible
         only before the reverse or the commit.

The recovery point is chosen in Python with the grammar and rule of every provider (plan/recovery_point.py) among the
points READ returns: the replica's recovery snapshots and its latest point (the newest log applied). The failover step
gets the chosen point by id (or 'latest')."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.plan import recovery_point, timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts

PROMOTE, DEMOTE = "promote replica", "demote replica"


def candidates(data):
    """The recovery points of a replica as READ returns it: its recovery snapshots, then its latest point: the newest
    log it applied (LastAppliedLogTime), as the failover step names it. A replica that is suspended receives logs
    without applying them, so its last replication can be newer than anything it can fail over to."""
    points = [{"id": p.get("id"), "name": p.get("name"), "time": p.get("time")}
              for p in (data or {}).get("recovery_points") or []]
    repl = (data or {}).get("replication") or {}
    last = repl.get("last_applied") or repl.get("last_replication")
    stamp = timeparse.parse(last)
    if stamp is not None:
        # last in the list: on equal times the latest point wins (the sort in recovery_point.choose is stable)
        points.append({"id": "latest-" + stamp.strftime("%Y%m%dT%H%M%SZ"), "time": last, "latest": True})
    return points


def choose_point(label, data, spec, site):
    """(point, how the failover step names it) for ``spec`` (a PointSpec); NotFoundError when there is none. A point
    may also be named by its snapshot name, as replica_info lists it."""
    points = candidates(data)
    if spec.kind == "id":
        named = [p for p in points if p.get("name") == spec.value and p.get("id") != spec.value]
        if named:
            spec = recovery_point.PointSpec("id", named[0]["id"])
    point = recovery_point.choose(points, spec, vm=label, site=site)
    if point.get("latest"):
        return point, {"kind": "latest"}
    return point, {"kind": "id", "value": point["id"]}


def point_details(item, point, mode):
    """recovery_point {id, time} and achieved_rpo_seconds with the vSphere provider's meaning: the point's UTC time,
    and the seconds between it and the host time when the failover used it. A planned failover to the latest point
    fails over to the final sync of Start-VMFailover -Prepare: 0. One to an older recovery snapshot
    (Start-VMFailover -VMRecoverySnapshot, accepted on the replica in any failover, reference section 5 row 10)
    discards that final sync and everything after the snapshot, so it achieves the snapshot's age."""
    if not point:
        return
    stamp = timeparse.parse(point.get("time"))
    item.details["recovery_point"] = {"id": point.get("id"),
                                      "time": timeparse.iso(stamp) if stamp else point.get("time")}
    if mode == "planned" and point.get("latest"):
        item.details["achieved_rpo_seconds"] = 0
        return
    seconds = timeparse.seconds_between(stamp, point.get("at"))
    if seconds is not None:
        item.details["achieved_rpo_seconds"] = max(0, seconds)


def promote_replicas(p, ctx, labels):
    todo = [label for label in labels if ctx.phase(label) == "failover"]
    out = dict((label, Outcome()) for label in labels if label not in todo)
    # mode 'unplanned' without commit: the script fails over and sets networks and failover IPs, nothing more
    got = inventory.run_outcomes(p, "target", PROMOTE, scripts.FAILOVER_REPLICA,
                                 {"mode": "unplanned", "commit": False, "power_on": False},
                                 ctx.entries(todo, point="ps_point", live="live", reip="reip"))
    for label in todo:
        data, error = got.get(label, (None, None))
        if error is not None:
            out[label] = Outcome(error=error)
        elif data is not None:
            ctx.vms[label]["promoted"] = data
            out[label] = Outcome(changed=bool(data.get("changed")))
    return out


def demote_replicas(p, ctx, labels):
    out, todo = {}, []
    for label in labels:
        vm = ctx.vms[label]
        if vm.get("reversed") or vm.get("committed"):
            done = "reversed (Set-VMReplication -Reverse)" if vm.get("reversed") else "committed (Complete-VMFailover)"
            out[label] = Outcome(error=VmdrError(
                "the failover was %s before the start failed, so it cannot be cancelled" % done, vm=label,
                site=vm["target_host"], step=DEMOTE,
                hint="Start the VM at the recovery site by hand, or run a planned failover back"))
        else:
            todo.append(label)
    got = inventory.run_outcomes(p, "target", DEMOTE, scripts.CANCEL_REPLICA, {}, ctx.entries(todo))
    for label in todo:
        data, error = got.get(label, (None, None))
        if error is None and data is not None and (data.get("after") or {}).get("mode") == "Primary":
            # reversed although the start step could not say so (its answer was lost): nothing to cancel, and the
            # source must not be started again (a failed compensation stops the older ones)
            error = VmdrError("the replica runs as the primary (replication reversed), so it is not demoted",
                              vm=label, site=ctx.vms[label]["target_host"], step=DEMOTE,
                              hint="Check the VM at the recovery site; run a planned failover back if needed")
        if error is not None:
            out[label] = Outcome(error=error)
        elif data is not None:
            out[label] = Outcome(changed=bool(data.get("changed")))
    return out
