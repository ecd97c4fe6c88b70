# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What happened in one runbook run, per VM and per step, and the report built from it.

The recorder knows nothing about Ansible: the evidence callback feeds it task starts, module results
and readiness checks; ``build()`` judges every VM against the plan's RTO and RPO targets.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.schema import SCHEMA_ID, SCHEMA_VERSION

MODULE_STEPS = {
    "replica_enable": "enable replication",
    "replica_sync": "sync",
    "replica_info": "status",
    "network_map": "network map",
    "reip": "re-IP",
    "failover": "failover",
}
FAILOVER_STEPS = {
    "test": "test failover",
    "cleanup_test": "cleanup",
    "planned": "planned failover",
    "unplanned": "unplanned failover",
    "reverse": "reverse replication",
}
# Steps after which a VM counts as recovered (then readiness decides when it is ready).
RECOVERY_STEPS = ("test failover", "planned failover", "unplanned failover")
# Runbooks whose VMs must be recovered and are judged against the RTO and RPO targets.
RECOVERY_RUNBOOKS = ("drill", "test_failover", "planned_failover", "unplanned_failover", "failback")
# What the report keeps of a module's per-VM result; everything else (and the module arguments) is left out.
VM_DETAILS = ("test_vm", "recovered_vm", "removed")


def step_name(module, mode=None):
    if module == "failover":
        return FAILOVER_STEPS.get(mode, "failover %s" % mode if mode else "failover")
    return MODULE_STEPS.get(module, module)


def _error_text(item):
    error = item.get("error")
    if isinstance(error, dict):
        text = error.get("message") or error.get("msg") or ""
        if error.get("hint"):
            text = "%s (%s)" % (text, error["hint"]) if text else error["hint"]
        return text
    return str(error) if error else None


class VmTrack(object):
    def __init__(self, name, plan_vm):
        self.name = name
        self.plan_vm = plan_vm or {}
        self.steps = []
        self.readiness = []
        self.recovery_point = None
        self.achieved_rpo = None
        self.ready_at = None
        self.recovered = False
        self.details = {}
        # the run whose figures this VM reports ({run_id, started}); an earlier run when this one found it recovered
        self.recovered_by = None
        self.earlier = None  # the earlier run's figures of a VM this run found recovered (RunRecorder.resume)


class RunRecorder(object):
    def __init__(self, context, plan=None, identity=None, started=None):
        """``context``: runbook, mode, run_id, plan_file (the vmdr_evidence fact); ``plan``: the parsed plan;
        ``identity``: who/where (user, controller, awx, versions, plan_sha256, git); ``started``: epoch."""
        self.context = dict(context)
        self.plan = plan or {}
        self.identity = identity or {}
        self.started = started
        self.finished = None
        self.status = "running"
        self.steps = []
        self.errors = []
        self.vms = {}
        self.order = []
        self.check_mode = bool(self.context.get("check_mode"))
        self.resumed = None
        self._earlier_vms = {}
        self._plan_vms = {}
        for vm in self.plan.get("vms") or []:
            if isinstance(vm, dict) and vm.get("name"):
                self._plan_vms[vm["name"]] = vm
                self._track(vm["name"])

    # ------------------------------------------------------------ input

    def _track(self, name):
        if name not in self.vms:
            self.vms[name] = VmTrack(name, self._plan_vms.get(name))
            self.order.append(name)
        return self.vms[name]

    def module_step(self, task, module, mode, started, finished, status, vm_results, message=None):
        """One batch module call: ``vm_results`` is its ``vms`` list."""
        name = step_name(module, mode)
        failed_vms = 0
        for item in vm_results or []:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            track = self._track(item["name"])
            failed = bool(item.get("failed"))
            failed_vms += failed
            entry = {"step": name, "task": task, "started": started, "finished": finished,
                     "status": "failed" if failed else ("changed" if item.get("changed") else "ok")}
            if failed:
                entry["error"] = _error_text(item) or message or "failed"
            track.steps.append(entry)
            self._take_details(track, name, item, started, finished, failed)
        if status == "failed" and not vm_results:
            # the call failed before any VM result (bad input, site unreachable): every VM it named failed
            message = message or "failed"
        self.steps.append({"task": task, "step": name, "started": started, "finished": finished,
                           "status": status, "vms": len(vm_results or []), "failed_vms": failed_vms,
                           "error": message if status == "failed" else None})

    def resume(self, run, vms):
        """The latest earlier run of this runbook and plan (earlier_run.py): ``run`` {run_id, started, status,
        result}, ``vms`` {name: figures} of the VMs it recovered (recovery_point, achieved_rpo_seconds, ready_at and
        recovered_started as epoch, recovered_by, readiness_checked). A VM that this run's recovery step finds
        already recovered (unchanged) reports these figures, not this run's."""
        if run.get("status") != "complete":
            self.resumed = dict(run)
        self._earlier_vms = dict(vms or {})

    def _take_details(self, track, name, item, started, finished, failed):
        for key in VM_DETAILS:
            if item.get(key) not in (None, "", []):
                track.details[key] = item[key]
        if self.check_mode:
            return  # a check run changes nothing: it recovers nothing and measures no RPO or RTO
        recovery = name in RECOVERY_STEPS and not failed
        # the module reports a VM it found recovered already (by an earlier run) as unchanged
        found_recovered = item.get("changed") is False
        earlier = self._earlier_vms.get(track.name) if recovery and found_recovered else None
        if earlier is not None:
            track.recovered, track.earlier = True, earlier
            track.recovery_point, track.achieved_rpo = earlier.get("recovery_point"), earlier.get("achieved_rpo_seconds")
            track.ready_at = earlier.get("ready_at")
            track.recovered_by = {"run_id": earlier.get("recovered_by"), "started": earlier.get("recovered_started")}
            return
        point = item.get("recovery_point")
        if isinstance(point, dict) and name in RECOVERY_STEPS + ("sync",):
            point_time = timefmt.parse(point.get("time"))
            track.recovery_point = {"id": point.get("id"), "time": timefmt.iso(point_time) if point_time else None}
            if name in RECOVERY_STEPS:
                rpo = item.get("achieved_rpo_seconds")
                if rpo is None and point_time is not None and not found_recovered:
                    rpo = started - point_time
                track.achieved_rpo = rpo
        if recovery:
            track.recovered = True
            ready = item.get("time_to_ready_seconds")
            track.ready_at = started + float(ready) if ready is not None else (None if found_recovered else finished)
            # unchanged with no earlier evidence: recovered by a run whose journal is not in the report dir, so its
            # RTO (from that run's start) and its achieved RPO are unknown, not this run's
            track.recovered_by = None if found_recovered else {"run_id": self.context.get("run_id"),
                                                               "started": self.started}

    def readiness(self, task, at, item):
        """One readiness check of one VM: vm, check ({type, target} or text), passed, elapsed_seconds, message."""
        vm = item.get("vm") or item.get("name")
        if not vm:
            return
        check = item.get("check")
        if isinstance(check, dict):
            check = " ".join(str(check[k]) for k in ("type", "target") if check.get(k) is not None)
        self._track(vm).readiness.append({
            "check": str(check or task), "passed": bool(item.get("passed")), "at": at,
            "elapsed_seconds": item.get("elapsed_seconds"), "message": item.get("message") or ""})

    def task_failed(self, task, at, message):
        self.errors.append({"task": task, "at": at, "message": message or "failed"})

    def finish(self, at, status="complete"):
        self.finished = at
        self.status = status

    # ------------------------------------------------------------ judgement

    def _targets(self, plan_vm):
        targets = dict(self.plan.get("targets") or {})
        for key in ("rto_seconds", "rpo_seconds"):
            own = plan_vm.get(key, (plan_vm.get("targets") or {}).get(key))
            if own is not None:
                targets[key] = own
        return targets

    def _judge(self, track):
        reasons = []
        targets = self._targets(track.plan_vm)
        judged = self.context.get("runbook") in RECOVERY_RUNBOOKS
        for step in track.steps:
            if step["status"] == "failed":
                reasons.append("%s failed: %s" % (step["step"], step.get("error")))
        ready_at = track.ready_at
        checks = track.readiness
        # an earlier run that recovered the VM and passed its readiness checks fixed when it was ready; this run's
        # checks can still fail it, but passing again does not move its ready time
        ready_known = track.earlier is not None and track.earlier.get("readiness_checked") and ready_at is not None
        if checks:
            failed_checks = [c for c in checks if not c["passed"]]
            for check in failed_checks:
                reasons.append("readiness check %s failed: %s" % (check["check"], check["message"]))
            if failed_checks:
                ready_at = None
            elif not ready_known and (ready_at is not None or track.earlier is not None):
                ready_at = max([ready_at or 0] + [c["at"] for c in checks])
        origin = (track.recovered_by or {}).get("started")
        rto = ready_at - origin if ready_at is not None and origin is not None else None
        if rto is not None and track.earlier is not None and ready_at == track.earlier.get("ready_at") \
                and track.earlier.get("rto_seconds") is not None:
            rto = track.earlier["rto_seconds"]  # as the earlier run measured it, not again from rounded timestamps
        if self.check_mode:
            reasons = [reason.replace(" failed: ", " failed in check mode: ", 1) for reason in reasons]
        elif judged and self.status == "complete" and not track.recovered and not reasons:
            reasons.append("not recovered in this run")
        rto_target, rpo_target = targets.get("rto_seconds"), targets.get("rpo_seconds")
        if judged and rto is not None and rto_target is not None and rto > float(rto_target):
            reasons.append("RTO target missed: ready after %.1f s, target %s s" % (rto, rto_target))
        if judged and track.achieved_rpo is not None and rpo_target is not None \
                and track.achieved_rpo > float(rpo_target):
            reasons.append("RPO target missed: %.1f s of changes lost, target %s s" % (track.achieved_rpo, rpo_target))
        if self.check_mode:
            result = "check"  # a check run reaches no verdict: it changed nothing, so nothing was proven
        elif reasons:
            result = "failed"
        elif self.status != "complete" and (not track.recovered if judged else not track.steps):
            result = "incomplete"
        else:
            result = "passed"
        return {"result": result, "reasons": reasons, "ready_at": ready_at, "rto_seconds": rto,
                "rto_target_seconds": rto_target, "rpo_target_seconds": rpo_target}

    # ------------------------------------------------------------ report

    def _vm_entry(self, track):
        verdict = self._judge(track)
        plan_vm = track.plan_vm
        return {
            "name": track.name,
            "priority": plan_vm.get("priority"),
            "provider": plan_vm.get("provider") or self._site_provider(),
            "depends_on": list(plan_vm.get("depends_on") or []),
            "in_plan": bool(plan_vm),
            "result": verdict["result"],
            "reasons": verdict["reasons"],
            "recovery_point": track.recovery_point,
            "achieved_rpo_seconds": timefmt.seconds(track.achieved_rpo),
            "rpo_target_seconds": verdict["rpo_target_seconds"],
            "ready_at": timefmt.iso(verdict["ready_at"]),
            "rto_seconds": timefmt.seconds(verdict["rto_seconds"]),
            "rto_target_seconds": verdict["rto_target_seconds"],
            "recovered_by": {"run_id": track.recovered_by["run_id"],
                             "started": timefmt.iso(track.recovered_by["started"])} if track.recovered_by else None,
            "steps": [dict(s, started=timefmt.iso(s["started"]), finished=timefmt.iso(s["finished"]),
                           duration_seconds=timefmt.seconds(s["finished"] - s["started"])) for s in track.steps],
            "readiness": [dict(c, at=timefmt.iso(c["at"])) for c in track.readiness],
            "details": dict(track.details),
        }

    def _site_provider(self):
        sites = self.plan.get("sites") or {}
        site = sites.get(self.plan.get("protected_site")) if isinstance(sites, dict) else None
        return (site or {}).get("provider", "vsphere") if isinstance(site, dict) else None

    def _sites(self):
        out = []
        sites = self.plan.get("sites") or {}
        roles = {self.plan.get("protected_site"): "protected", self.plan.get("recovery_site"): "recovery"}
        if isinstance(sites, dict):
            for name in sorted(sites):
                site = sites[name] if isinstance(sites[name], dict) else {}
                out.append({"name": name, "role": site.get("role") or roles.get(name, "other"),
                            "provider": site.get("provider", "vsphere")})
        return out

    def _resumed_entry(self):
        """The killed (or unfinished) run this run continued, and the VMs whose figures come from it."""
        if self.resumed is None:
            return None
        taken = [name for name in self.order if self.vms[name].earlier is not None
                 and (self.vms[name].recovered_by or {}).get("run_id") is not None]
        return {"run_id": self.resumed.get("run_id"), "started": timefmt.iso(self.resumed.get("started")),
                "status": self.resumed.get("status"), "result": self.resumed.get("result"), "vms": taken}

    @staticmethod
    def _worst(vms, key, target_key):
        values = [v[key] for v in vms if v[key] is not None]
        targets = [v[target_key] for v in vms if v[target_key] is not None]
        worst = max(values) if values else None
        target = min(targets) if targets else None
        missed = [v["name"] for v in vms if v[key] is not None and v[target_key] is not None
                  and v[key] > float(v[target_key])]
        met = None if worst is None or not targets else not missed
        return {"target_seconds": target, "worst_seconds": worst, "met": met, "missed_by": missed}

    def _groups(self, vms):
        groups = {}
        for vm in vms:
            groups.setdefault(vm["priority"], []).append(vm)
        out = []
        for priority in sorted(groups, key=lambda p: (p is None, p)):
            members = groups[priority]
            starts = [timefmt.parse(s["started"]) for v in members for s in v["steps"] if s["step"] in RECOVERY_STEPS]
            starts = starts or [timefmt.parse(s["started"]) for v in members for s in v["steps"]]
            readies = [timefmt.parse(v["ready_at"]) for v in members if v["ready_at"]]
            out.append({"priority": priority, "vms": [v["name"] for v in members],
                        "started": timefmt.iso(min(starts)) if starts else None,
                        "ready_at": timefmt.iso(max(readies)) if readies and len(readies) == len(members) else None,
                        "result": "check" if self.check_mode else
                                  "failed" if any(v["result"] == "failed" for v in members) else
                                  ("passed" if all(v["result"] == "passed" for v in members) else "incomplete")})
        return out

    def build(self):
        vms = [self._vm_entry(self.vms[name]) for name in self.order]
        failed = [v for v in vms if v["result"] == "failed"]
        if self.check_mode:
            result = "check"
        elif failed or self.errors:
            result = "failed"
        elif self.status != "complete":
            result = "incomplete"
        else:
            result = "passed"
        duration = self.finished - self.started if self.finished and self.started else None
        plan_targets = self.plan.get("targets") or {}
        return {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "run": {
                "id": self.context.get("run_id"),
                "runbook": self.context.get("runbook"),
                "mode": self.context.get("mode"),
                "status": self.status,
                "result": result,
                "check_mode": self.check_mode,
                "resumed": self._resumed_entry(),
                "started": timefmt.iso(self.started),
                "finished": timefmt.iso(self.finished),
                "duration_seconds": timefmt.seconds(duration),
                "user": self.identity.get("user"),
                "controller": self.identity.get("controller"),
                "awx": self.identity.get("awx"),
                "versions": self.identity.get("versions") or {},
            },
            "plan": {
                "name": (self.plan.get("plan") or {}).get("name") if isinstance(self.plan.get("plan"), dict)
                else self.plan.get("name"),
                "file": self.context.get("plan_file"),
                "sha256": self.identity.get("plan_sha256"),
                "git": self.identity.get("git"),
                "targets": {"rto_seconds": plan_targets.get("rto_seconds"),
                            "rpo_seconds": plan_targets.get("rpo_seconds")},
            },
            "sites": self._sites(),
            "summary": {
                "vms": len(vms),
                "passed": len([v for v in vms if v["result"] == "passed"]),
                "failed": len(failed),
                "incomplete": len([v for v in vms if v["result"] == "incomplete"]),
                "check": len([v for v in vms if v["result"] == "check"]),
                "rto": self._worst(vms, "rto_seconds", "rto_target_seconds"),
                "rpo": self._worst(vms, "achieved_rpo_seconds", "rpo_target_seconds"),
            },
            "groups": self._groups(vms),
            "steps": [dict(s, started=timefmt.iso(s["started"]), finished=timefmt.iso(s["finished"]),
                           duration_seconds=timefmt.seconds(s["finished"] - s["started"])) for s in self.steps],
            "errors": [dict(e, at=timefmt.iso(e["at"])) for e in self.errors],
            "vms": vms,
        }
