import json
import os
import xml.etree.ElementTree as ET

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import (
    html_report, junit, timefmt, trend, writer)
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.recorder import RunRecorder

T0 = timefmt.parse("2026-11-22T10:00:00Z")
EVIL = "<script>alert('x')</script>"


def report(started=T0, web_ready=5, name="shop", extra_reason=None):
    plan = {"plan": {"name": name}, "targets": {"rto_seconds": 30, "rpo_seconds": 300},
            "vms": [{"name": "db", "priority": 1}, {"name": EVIL, "priority": 2}]}
    rec = RunRecorder({"runbook": "drill", "mode": "test", "run_id": "run-%d" % started}, plan=plan,
                      identity={"user": "ops"}, started=started)
    rec.module_step("wave 1", "failover", "test", started + 1, started + 4, "changed",
                    [{"name": "db", "time_to_ready_seconds": 2, "recovery_point": {"id": 1, "time": timefmt.iso(started)}}])
    rec.module_step("wave 2", "failover", "test", started + 5, started + 60, "changed",
                    [{"name": EVIL, "time_to_ready_seconds": web_ready}])
    if extra_reason:
        rec.task_failed("hook", started + 61, extra_reason)
    rec.finish(started + 62)
    return rec.build()


def test_junit_has_one_case_per_vm_and_fails_missed_targets():
    root = ET.fromstring(junit.render(report(web_ready=40)).split("\n", 1)[1])
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["db", EVIL]
    assert cases[0].find("failure") is None
    assert cases[1].find("failure").get("type") == "TargetMissed"
    assert root.find("testsuite").get("failures") == "1"


def test_junit_counts_run_errors_as_errors():
    root = ET.fromstring(junit.render(report(extra_reason="hook failed")).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite.get("errors") == "1" and suite.get("tests") == "3"


def test_html_is_self_contained_and_escapes_names():
    page = html_report.render(report())
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert page.count('class="bar step-test-failover"') == 2 and 'id="timeline-chart"' in page


def test_writer_redacts_secrets_everywhere(tmp_path):
    rep = report(extra_reason="login failed for admin / s3cr3t-Pass")
    written = writer.write(str(tmp_path), rep, secrets=["s3cr3t-Pass", "ab", None])
    for path, changed in written.values():
        assert changed
        with open(path) as handle:
            text = handle.read()
        assert "s3cr3t-Pass" not in text and writer.REDACTED in text
    again = writer.write(str(tmp_path), rep, secrets=["s3cr3t-Pass"], only_changed=True)
    assert not any(changed for _p, changed in again.values())
    assert sorted(os.listdir(str(tmp_path))) == ["junit.xml", "report.html", "report.json"]


def test_trend_orders_runs_and_says_which_way_rto_went():
    older, newer = report(started=T0, web_ready=20), report(started=T0 + 86400, web_ready=8, name="shop")
    result = trend.compare([newer, older])
    assert [r["id"] for r in result["runs"]] == [older["run"]["id"], newer["run"]["id"]]
    assert result["latest"]["rto_change"] == "faster" and result["latest"]["rto_delta_seconds"] == -12
    assert result["latest"]["plan_changed"] is False
    per_vm = dict((v["name"], v) for v in result["vms"])
    assert per_vm["db"]["change"] == "steady" and per_vm[EVIL]["rto_seconds"] == [25, 13]
    page = trend.render_html(result)
    assert page.count('class="run-point"') == 2 and EVIL not in page
    json.dumps(result)
