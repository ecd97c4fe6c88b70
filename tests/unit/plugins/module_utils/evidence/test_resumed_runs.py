"""A rerun after a killed run reports each VM's figures from the run that recovered it, and names the run it
resumed; VMs the rerun recovered have the rerun's figures; VMs found recovered with no earlier evidence have none."""
import json
import xml.etree.ElementTree as ET

import jsonschema

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import (
    earlier_run, html_report, junit, schema, timefmt)
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.journal import FILE, JournalRecorder, replay

T0 = timefmt.parse("2026-11-22T10:00:00Z")
RERUN = T0 + 600
PLAN = {"plan": {"name": "shop"}, "targets": {"rto_seconds": 300, "rpo_seconds": 60},
        "vms": [{"name": "db", "priority": 1}, {"name": "web", "priority": 2}]}
IDENTITY = {"user": "ops", "plan_sha256": "a" * 64}


def context(run_id):
    return {"runbook": "planned_failover", "mode": "planned", "run_id": run_id}


def killed_run(report_dir):
    """planned-1: db failed over with no data loss and ready after 30 s, then the run was killed."""
    rec = JournalRecorder(str(report_dir / "planned-1"), [], context("planned-1"), PLAN, IDENTITY, T0)
    rec.module_step(task="wave 1", module="failover", mode="planned", started=T0 + 10, finished=T0 + 40,
                    status="changed", vm_results=[{"name": "db", "changed": True, "achieved_rpo_seconds": 0,
                                                   "recovery_point": {"id": "g1", "time": timefmt.iso(T0 + 12)},
                                                   "time_to_ready_seconds": 30}])
    return rec


def rerun(report_dir, db_item=None):
    """planned-2: db is found failed over already (unchanged), web fails over in this run."""
    rec = JournalRecorder(str(report_dir / "planned-2"), [], context("planned-2"), PLAN, IDENTITY, RERUN)
    path = earlier_run.find(str(report_dir), context("planned-2"), PLAN, IDENTITY, RERUN)
    if path is not None:
        run, vms = earlier_run.figures(path)
        rec.resume(run=run, vms=vms)
    db = db_item or {"name": "db", "changed": False, "recovery_point": {"id": "g1", "time": timefmt.iso(T0 + 12)}}
    rec.module_step(task="wave 1", module="failover", mode="planned", started=RERUN + 5, finished=RERUN + 6,
                    status="ok", vm_results=[db])
    rec.module_step(task="wave 2", module="failover", mode="planned", started=RERUN + 10, finished=RERUN + 30,
                    status="changed", vm_results=[{"name": "web", "changed": True, "achieved_rpo_seconds": 0,
                                                   "recovery_point": {"id": "g2", "time": timefmt.iso(RERUN + 11)},
                                                   "time_to_ready_seconds": 15}])
    rec.finish(at=RERUN + 40)
    return rec


def by_name(report):
    return dict((v["name"], v) for v in report["vms"])


def test_the_rerun_takes_the_killed_runs_figures_for_what_it_recovered_and_names_it(tmp_path):
    killed_run(tmp_path)
    report = rerun(tmp_path).build()
    vms = by_name(report)
    # db: recovered by the killed run: no data lost, ready 40 s after that run started (not the rerun's figures)
    assert vms["db"]["achieved_rpo_seconds"] == 0 and vms["db"]["rto_seconds"] == 40
    assert vms["db"]["ready_at"] == timefmt.iso(T0 + 40)
    assert vms["db"]["recovered_by"] == {"run_id": "planned-1", "started": timefmt.iso(T0)}
    assert vms["db"]["recovery_point"] == {"id": "g1", "time": timefmt.iso(T0 + 12)}
    # web: recovered by the rerun, counted from the rerun's start
    assert vms["web"]["rto_seconds"] == 25 and vms["web"]["achieved_rpo_seconds"] == 0
    assert vms["web"]["recovered_by"] == {"run_id": "planned-2", "started": timefmt.iso(RERUN)}
    assert report["run"]["resumed"] == {"run_id": "planned-1", "started": timefmt.iso(T0), "status": "interrupted",
                                        "result": "incomplete", "vms": ["db"]}
    assert report["run"]["result"] == "passed" and report["summary"]["rto"]["worst_seconds"] == 40
    assert schema.problems(report) == []
    jsonschema.validate(report, schema.SCHEMA)
    # the journal keeps what was resumed: rendering the rerun again gives the same report
    assert replay(str(tmp_path / "planned-2" / FILE)).build() == report


def test_junit_and_html_name_the_resumed_run(tmp_path):
    killed_run(tmp_path)
    report = rerun(tmp_path).build()
    root = ET.fromstring(junit.render(report).split("\n", 1)[1])
    props = dict((p.get("name"), p.get("value")) for p in root.findall("./testsuite/properties/property"))
    assert props["resumed_run_id"] == "planned-1"
    db = [c for c in root.findall("./testsuite/testcase") if c.get("name") == "db"][0]
    assert "recovered by the earlier run planned-1" in db.find("system-out").text
    page = html_report.render(report)
    assert 'id="resumed" data-run="planned-1"' in page and 'data-recovered-by="planned-1"' in page


def test_a_vm_the_rerun_had_to_recover_again_has_the_reruns_figures(tmp_path):
    killed_run(tmp_path)
    db = {"name": "db", "changed": True, "achieved_rpo_seconds": 0, "time_to_ready_seconds": 4,
          "recovery_point": {"id": "g3", "time": timefmt.iso(RERUN + 5)}}
    vms = by_name(rerun(tmp_path, db_item=db).build())
    assert vms["db"]["recovered_by"]["run_id"] == "planned-2" and vms["db"]["rto_seconds"] == 9


def test_found_recovered_without_earlier_evidence_claims_no_figures(tmp_path):
    report = rerun(tmp_path).build()  # no journal of the run that recovered db in this report dir
    db = by_name(report)["db"]
    assert db["achieved_rpo_seconds"] is None and db["rto_seconds"] is None and db["recovered_by"] is None
    assert db["result"] == "passed" and report["run"]["resumed"] is None


def test_a_chain_of_killed_runs_keeps_the_first_runs_figures(tmp_path):
    killed_run(tmp_path)
    second = JournalRecorder(str(tmp_path / "planned-2"), [], context("planned-2"), PLAN, IDENTITY, RERUN)
    run, vms = earlier_run.figures(str(tmp_path / "planned-1" / FILE))
    second.resume(run=run, vms=vms)
    second.module_step(task="wave 1", module="failover", mode="planned", started=RERUN + 5, finished=RERUN + 6,
                       status="ok", vm_results=[{"name": "db", "changed": False}])
    third_start = RERUN + 600
    path = earlier_run.find(str(tmp_path), context("planned-3"), PLAN, IDENTITY, third_start)
    assert path == str(tmp_path / "planned-2" / FILE)
    run, vms = earlier_run.figures(path)
    assert run["run_id"] == "planned-2" and vms["db"]["recovered_by"] == "planned-1"
    assert vms["db"]["recovered_started"] == T0 and vms["db"]["ready_at"] == T0 + 40


def test_only_an_earlier_run_of_the_same_runbook_and_plan_is_continued(tmp_path):
    killed_run(tmp_path)
    other = dict(PLAN, plan={"name": "other"})
    assert earlier_run.find(str(tmp_path), context("planned-2"), other, {"plan_sha256": "b" * 64}, RERUN) is None
    drill = {"runbook": "drill", "mode": "test", "run_id": "drill-2"}
    assert earlier_run.find(str(tmp_path), drill, PLAN, IDENTITY, RERUN) is None
    assert earlier_run.find(str(tmp_path), context("planned-0"), PLAN, IDENTITY, T0 - 1) is None  # not earlier
    # the plan file was edited after the kill (another SHA-256), same plan name: still the same plan
    assert earlier_run.find(str(tmp_path), context("planned-2"), PLAN, {"plan_sha256": "c" * 64}, RERUN)


def test_a_complete_earlier_run_gives_figures_but_is_not_resumed(tmp_path):
    killed_run(tmp_path).finish(at=T0 + 50)
    report = rerun(tmp_path).build()
    assert report["run"]["resumed"] is None
    assert by_name(report)["db"]["recovered_by"]["run_id"] == "planned-1"


def test_a_version_1_report_reads_as_version_2(tmp_path):
    killed_run(tmp_path).finish(at=T0 + 50)
    report = replay(str(tmp_path / "planned-1" / FILE)).build()
    old = json.loads(json.dumps(report))
    old.update(schema=schema.SCHEMA_ID_1, schema_version=1)
    for key in ("check_mode", "resumed"):
        old["run"].pop(key)
    old["summary"].pop("check")
    for vm in old["vms"]:
        vm.pop("recovered_by")
    assert schema.problems(old)
    upgraded = schema.upgrade(old)
    assert schema.problems(upgraded) == []
    assert upgraded["run"]["check_mode"] is False and upgraded["run"]["resumed"] is None
    assert by_name(upgraded)["db"]["recovered_by"] == {"run_id": "planned-1", "started": timefmt.iso(T0)}
