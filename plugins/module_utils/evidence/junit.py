# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""junit.xml of a run report: one test case per VM, failing when the VM failed or missed a target."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import xml.etree.ElementTree as ET

CHECK_RUN = "check run: no change made, no verdict"


def _text(value):
    return "" if value is None else str(value)


def _vm_case(suite, vm, plan_name, run_id):
    group = "priority-%s" % vm["priority"] if vm["priority"] is not None else "not-in-plan"
    case = ET.SubElement(suite, "testcase", {
        "classname": "%s.%s" % (plan_name or "plan", group),
        "name": vm["name"],
        "time": "%.3f" % (vm["rto_seconds"] or sum(s["duration_seconds"] or 0 for s in vm["steps"])),
    })
    if vm["result"] == "failed":
        failure = ET.SubElement(case, "failure", {"message": "; ".join(vm["reasons"])[:1000],
                                                  "type": "TargetMissed" if not any(
                                                      "failed:" in r for r in vm["reasons"]) else "StepFailed"})
        failure.text = "\n".join(vm["reasons"])
    elif vm["result"] == "incomplete":
        ET.SubElement(case, "skipped", {"message": "the run stopped before this VM was recovered"})
    elif vm["result"] == "check":
        ET.SubElement(case, "skipped", {"message": CHECK_RUN})
    lines = ["%s  %s -> %s  %s%s" % (s["step"], s["started"], s["finished"], s["status"],
                                     (": " + s["error"]) if s.get("error") else "") for s in vm["steps"]]
    lines += ["readiness %s: %s %s" % (c["check"], "passed" if c["passed"] else "failed", c.get("message") or "")
              for c in vm["readiness"]]
    lines.append("recovery point: %s  achieved RPO: %s s (target %s)  RTO: %s s (target %s)" % (
        _text((vm["recovery_point"] or {}).get("time")), _text(vm["achieved_rpo_seconds"]),
        _text(vm["rpo_target_seconds"]), _text(vm["rto_seconds"]), _text(vm["rto_target_seconds"])))
    if vm["result"] == "check" and vm["reasons"]:
        lines += ["found by the check run: %s" % reason for reason in vm["reasons"]]
    by = vm.get("recovered_by") or {}
    if by.get("run_id") and by["run_id"] != run_id:
        lines.append("recovered by the earlier run %s (started %s): its recovery point, RPO and RTO" % (
            by["run_id"], _text(by.get("started"))))
    ET.SubElement(case, "system-out").text = "\n".join(lines)


def render(report):
    run, plan, summary = report["run"], report["plan"], report["summary"]
    name = "%s %s" % (plan["name"] or "plan", run["runbook"])
    failures = summary["failed"]
    errors = len(report["errors"])
    if run.get("check_mode"):
        name += " (%s)" % CHECK_RUN
    root = ET.Element("testsuites", {"name": name, "tests": str(summary["vms"] + errors), "failures": str(failures),
                                     "errors": str(errors), "time": "%.3f" % (run["duration_seconds"] or 0)})
    suite = ET.SubElement(root, "testsuite", {
        "name": name, "tests": str(summary["vms"] + errors), "failures": str(failures), "errors": str(errors),
        "skipped": str(summary["incomplete"] + summary.get("check", 0)), "time": "%.3f" % (run["duration_seconds"] or 0),
        "timestamp": _text(run["started"]), "hostname": _text(run["controller"])})
    props = ET.SubElement(suite, "properties")
    resumed = run.get("resumed") or {}
    for key, value in (("run_id", run["id"]), ("mode", run["mode"]), ("result", run["result"]),
                       ("status", run["status"]), ("check_mode", "true" if run.get("check_mode") else None),
                       ("resumed_run_id", resumed.get("run_id")), ("user", run["user"]), ("plan_sha256", plan["sha256"]),
                       ("git_commit", (plan["git"] or {}).get("commit")),
                       ("awx_job_id", (run["awx"] or {}).get("job_id")),
                       ("rto_target_seconds", plan["targets"].get("rto_seconds")),
                       ("rpo_target_seconds", plan["targets"].get("rpo_seconds"))):
        if value is not None:
            ET.SubElement(props, "property", {"name": key, "value": _text(value)})
    for vm in report["vms"]:
        _vm_case(suite, vm, plan["name"], run["id"])
    for error in report["errors"]:
        case = ET.SubElement(suite, "testcase", {"classname": "%s.run" % (plan["name"] or "plan"),
                                                 "name": error["task"], "time": "0"})
        ET.SubElement(case, "error", {"message": error["message"][:1000]}).text = error["message"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
