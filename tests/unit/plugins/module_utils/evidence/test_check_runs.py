"""A run with --check says so in report.json, junit.xml and report.html, and claims no verdict it did not reach."""
import xml.etree.ElementTree as ET

import jsonschema

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import html_report, junit, schema, timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.recorder import RunRecorder

T0 = timefmt.parse("2026-11-22T10:00:00Z")
PLAN = {"plan": {"name": "shop"}, "targets": {"rto_seconds": 60, "rpo_seconds": 300},
        "vms": [{"name": "db", "priority": 1}, {"name": "web", "priority": 2}]}


def check_run():
    rec = RunRecorder({"runbook": "drill", "mode": "test", "run_id": "drill-1", "check_mode": True}, plan=PLAN,
                      identity={"user": "ops"}, started=T0)
    rec.module_step("wave 1", "failover", "test", T0 + 1, T0 + 2, "changed", [
        {"name": "db", "changed": True, "recovery_point": {"id": "g1", "time": timefmt.iso(T0 - 30)},
         "achieved_rpo_seconds": 31}])
    web = {"name": "web", "changed": False, "failed": True, "error": {"message": "no replica at site b"}}
    rec.module_step("wave 2", "failover", "test", T0 + 3, T0 + 4, "failed", [web], message="1 of 1 VMs failed")
    rec.task_failed("Verify", T0 + 5, "the test copies are not running")
    rec.finish(T0 + 6)
    return rec.build()


def test_report_json_says_check_run_and_reaches_no_verdict():
    report = check_run()
    assert report["run"]["check_mode"] is True and report["run"]["result"] == "check"
    assert [v["result"] for v in report["vms"]] == ["check", "check"]
    assert report["summary"]["check"] == 2 and report["summary"]["passed"] == report["summary"]["failed"] == 0
    assert report["summary"]["rto"]["met"] is None and report["summary"]["rpo"]["met"] is None
    db, web = report["vms"]
    assert db["achieved_rpo_seconds"] is None and db["rto_seconds"] is None and db["recovered_by"] is None
    assert web["reasons"] == ["test failover failed in check mode: no replica at site b"]
    assert [g["result"] for g in report["groups"]] == ["check", "check"]
    assert schema.problems(report) == []
    jsonschema.validate(report, schema.SCHEMA)


def test_junit_skips_every_vm_as_a_check_run():
    root = ET.fromstring(junit.render(check_run()).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert junit.CHECK_RUN in suite.get("name") and suite.get("failures") == "0" and suite.get("skipped") == "2"
    props = dict((p.get("name"), p.get("value")) for p in suite.findall("properties/property"))
    assert props["check_mode"] == "true" and props["result"] == "check"
    vm_cases = [c for c in suite.findall("testcase") if c.get("name") in ("db", "web")]
    assert [c.find("skipped").get("message") for c in vm_cases] == [junit.CHECK_RUN] * 2
    assert all(c.find("failure") is None for c in vm_cases)


def test_html_says_check_run_and_shows_no_pass_or_fail():
    page = html_report.render(check_run())
    assert 'data-result="check" data-check-mode="true"' in page and 'id="check-run"' in page
    assert ">CHECK</span>" in page and "PASSED" not in page and "FAILED" not in page
    assert "target met" not in page and "target missed" not in page


def test_a_plain_run_is_not_a_check_run():
    rec = RunRecorder({"runbook": "drill", "mode": "test", "run_id": "drill-2"}, plan=PLAN, started=T0)
    rec.finish(T0 + 1)
    report = rec.build()
    assert report["run"]["check_mode"] is False and report["run"]["result"] != "check"
    assert "check_mode" not in [p.get("name") for p in ET.fromstring(
        junit.render(report).split("\n", 1)[1]).findall("./testsuite/properties/property")]
