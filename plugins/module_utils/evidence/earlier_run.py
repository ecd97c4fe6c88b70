# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The earlier run a rerun continues, and the figures of the VMs that run recovered.

A rerun after a killed (or failed) run finds the VMs the earlier run recovered already recovered: the failover
module reports them unchanged, with no failover of their own in this run. Their achieved RPO and RTO belong to the
run that recovered them, so the evidence callback looks in the report dir for the journal (``events.jsonl``) of the
latest earlier run of the same runbook and the same plan (same SHA-256, or the same plan name), rebuilds its report,
and hands the recorder (``RunRecorder.resume``) each recovered VM's recovery point, achieved RPO, ready time and the
run (id, start) that recovered it. That run may itself have taken a VM's figures from an older one: they are kept.
Check runs are never continued: they recover nothing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import journal, timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.recorder import RECOVERY_STEPS


def _opening(path):
    """The ``open`` event (context, plan, identity, started) of a journal, or None."""
    try:
        with open(path) as handle:
            entry = json.loads(handle.readline())
    except (OSError, ValueError):
        return None
    return entry.get("args") if isinstance(entry, dict) and entry.get("event") == "open" else None


def _plan_name(plan):
    head = (plan or {}).get("plan")
    return head.get("name") if isinstance(head, dict) else (plan or {}).get("name")


def _same_plan(opening, plan, identity):
    sha = (identity or {}).get("plan_sha256")
    if sha and (opening.get("identity") or {}).get("plan_sha256") == sha:
        return True
    name = _plan_name(plan)
    return bool(name) and _plan_name(opening.get("plan")) == name


def find(report_dir, context, plan, identity, started):
    """The journal path of the latest earlier run of ``context``'s runbook and plan in ``report_dir``, or None."""
    if not report_dir or not os.path.isdir(report_dir):
        return None
    best, best_started = None, None
    for name in os.listdir(report_dir):
        if name == str(context.get("run_id")):
            continue
        path = os.path.join(report_dir, name, journal.FILE)
        opening = _opening(path) if os.path.isfile(path) else None
        if not opening:
            continue
        theirs = opening.get("context") or {}
        when = opening.get("started")
        if theirs.get("runbook") != context.get("runbook") or theirs.get("check_mode") or when is None:
            continue
        if started is not None and when >= started:
            continue
        if _same_plan(opening, plan, identity) and (best_started is None or when > best_started):
            best, best_started = path, when
    return best


def figures(path):
    """(run {run_id, started, status, result}, {VM name: figures}) of the run journaled at ``path``."""
    report = journal.replay(path).build()
    run = report["run"]
    out = {}
    for vm in report["vms"]:
        recovered = any(s["step"] in RECOVERY_STEPS and s["status"] != "failed" for s in vm["steps"])
        by = vm.get("recovered_by")
        if not recovered or not by:
            continue
        out[vm["name"]] = {"recovery_point": vm["recovery_point"], "achieved_rpo_seconds": vm["achieved_rpo_seconds"],
                           "ready_at": timefmt.parse(vm["ready_at"]), "rto_seconds": vm["rto_seconds"],
                           "recovered_by": by["run_id"],
                           "recovered_started": timefmt.parse(by["started"]),
                           "readiness_checked": bool(vm["readiness"]) and all(c["passed"] for c in vm["readiness"])}
    return ({"run_id": run["id"], "started": timefmt.parse(run["started"]), "status": run["status"],
             "result": run["result"]}, out)
