# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn module results into preflight problems ({check, vm, message}) and report lines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def preflight_missing_problem(name):
    return {"check": "replication", "vm": name,
            "message": "not found as a replicated VM at either site; check the name or enable replication"}


def preflight_health_problems(replication):
    """Problems of one replica_info row: a side missing, paused, failed over, or outside the RPO."""
    name = replication.get("name")
    problems = []
    if not replication.get("source"):
        problems.append({"check": "replication", "vm": name, "message": "the source VM was not found"})
    if not replication.get("replica"):
        problems.append({"check": "replication", "vm": name, "message": "the replica VM was not found"})
    if replication.get("state") == "paused":
        problems.append({"check": "replication", "vm": name, "message": "replication is paused"})
    if replication.get("health") == "failed_over":
        problems.append({"check": "replication", "vm": name, "message": "the VM is failed over already"})
    if not replication.get("rpo_compliant"):
        age = replication.get("age_seconds")
        if age is None:
            text = "has no recovery point yet (RPO %s s)" % replication.get("rpo_seconds")
        else:
            text = "newest recovery point is %s s old, over its RPO of %s s" % (age, replication.get("rpo_seconds"))
        problems.append({"check": "rpo", "vm": name, "message": text})
    return problems


def preflight_step_problem(result, check):
    error = result.get("error") or {}
    return {"check": check, "vm": error.get("vm"), "message": result.get("msg") or "failed"}


def preflight_line(problem):
    where = "%s: " % problem["vm"] if problem.get("vm") else ""
    return "[%s] %s%s" % (problem.get("check"), where, problem.get("message"))


class FilterModule(object):
    def filters(self):
        return {"preflight_missing_problem": preflight_missing_problem,
                "preflight_health_problems": preflight_health_problems,
                "preflight_step_problem": preflight_step_problem, "preflight_line": preflight_line}
