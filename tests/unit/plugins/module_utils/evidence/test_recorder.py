import jsonschema
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import schema, timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.recorder import RunRecorder

T0 = timefmt.parse("2026-11-22T10:00:00Z")
PLAN = {"plan": {"name": "shop"}, "protected_site": "a", "recovery_site": "b",
        "sites": {"a": {"provider": "vsphere"}, "b": {"provider": "vsphere"}},
        "targets": {"rto_seconds": 60, "rpo_seconds": 300},
        "vms": [{"name": "db", "priority": 1}, {"name": "web", "priority": 2, "depends_on": ["db"], "rto_seconds": 30}]}


def recorder(runbook="drill", plan=None):
    return RunRecorder({"runbook": runbook, "mode": "test", "run_id": "r1", "plan_file": "/p.yml"},
                       plan=PLAN if plan is None else plan,
                       identity={"user": "ops", "controller": "ctl", "plan_sha256": "0" * 64}, started=T0)


def failover(rec, at, vms, status="changed"):
    rec.module_step("wave", "failover", "test", T0 + at, T0 + at + 10, status, vms)


def point(seconds_before):
    return {"id": "g1", "time": timefmt.iso(T0 - seconds_before)}


def by_name(report):
    return dict((v["name"], v) for v in report["vms"])


def test_rto_is_run_start_to_ready_and_rpo_comes_from_the_module():
    rec = recorder()
    failover(rec, 5, [{"name": "db", "changed": True, "recovery_point": point(40), "achieved_rpo_seconds": 45,
                       "time_to_ready_seconds": 7.5, "test_vm": "db-test"}])
    failover(rec, 20, [{"name": "web", "changed": True, "recovery_point": point(40), "time_to_ready_seconds": 3}])
    rec.finish(T0 + 40)
    report = rec.build()
    vms = by_name(report)
    assert vms["db"]["rto_seconds"] == 12.5 and vms["db"]["achieved_rpo_seconds"] == 45
    assert vms["web"]["rto_seconds"] == 23 and vms["web"]["achieved_rpo_seconds"] == 60  # 20 s after the point's 40
    assert vms["db"]["details"] == {"test_vm": "db-test"}
    assert report["run"]["result"] == "passed" and report["summary"]["rto"]["worst_seconds"] == 23
    assert report["groups"][0]["ready_at"] == timefmt.iso(T0 + 12.5)
    assert schema.problems(report) == []
    jsonschema.validate(report, schema.SCHEMA)


def test_a_vm_over_its_own_rto_target_fails_and_says_why():
    rec = recorder()
    failover(rec, 5, [{"name": "db", "recovery_point": point(10), "time_to_ready_seconds": 5}])
    failover(rec, 30, [{"name": "web", "recovery_point": point(10), "time_to_ready_seconds": 5}])
    rec.finish(T0 + 50)
    vms = by_name(rec.build())
    assert vms["db"]["result"] == "passed"
    assert vms["web"]["result"] == "failed" and vms["web"]["rto_target_seconds"] == 30
    assert vms["web"]["reasons"] == ["RTO target missed: ready after 35.0 s, target 30 s"]
    assert rec.build()["summary"]["rto"] == {"target_seconds": 30, "worst_seconds": 35, "met": False,
                                             "missed_by": ["web"]}


def test_rpo_over_target_and_failed_steps_fail_the_vm():
    rec = recorder()
    failover(rec, 1, [{"name": "db", "recovery_point": point(900), "time_to_ready_seconds": 1},
                      {"name": "web", "failed": True, "error": {"message": "no replica at site b",
                                                                "hint": "enable replication first"}}],
             status="failed")
    rec.finish(T0 + 20)
    vms = by_name(rec.build())
    assert vms["db"]["reasons"] == ["RPO target missed: 901.0 s of changes lost, target 300 s"]
    assert vms["web"]["reasons"] == ["test failover failed: no replica at site b (enable replication first)"]
    assert vms["web"]["ready_at"] is None and vms["web"]["rto_seconds"] is None


def test_readiness_checks_decide_when_a_vm_is_ready():
    rec = recorder()
    failover(rec, 1, [{"name": "db", "time_to_ready_seconds": 2}, {"name": "web", "time_to_ready_seconds": 2}])
    rec.readiness("checks", T0 + 14, {"vm": "db", "check": {"type": "tcp", "target": "10.0.0.1:5432"}, "passed": True})
    rec.readiness("checks", T0 + 15, {"vm": "web", "check": "http https://web/", "passed": False,
                                      "message": "HTTP 503"})
    rec.finish(T0 + 20)
    vms = by_name(rec.build())
    assert vms["db"]["rto_seconds"] == 14 and vms["db"]["readiness"][0]["check"] == "tcp 10.0.0.1:5432"
    assert vms["web"]["ready_at"] is None
    assert vms["web"]["reasons"] == ["readiness check http https://web/ failed: HTTP 503"]


def test_a_run_still_going_is_incomplete_not_failed():
    rec = recorder()
    failover(rec, 1, [{"name": "db", "time_to_ready_seconds": 2}])
    report = rec.build()
    assert report["run"]["status"] == "running" and report["run"]["result"] == "incomplete"
    assert by_name(report)["web"]["result"] == "incomplete"
    rec.finish(T0 + 30)
    assert by_name(rec.build())["web"]["reasons"] == ["not recovered in this run"]


def test_runbooks_that_recover_nothing_do_not_judge_rto():
    rec = recorder(runbook="preflight")
    rec.module_step("status", "replica_info", None, T0, T0 + 2, "ok", [])
    rec.finish(T0 + 3)
    report = rec.build()
    assert report["run"]["result"] == "passed" and report["summary"]["rto"]["met"] is None


def test_errors_outside_modules_fail_the_run_and_unknown_vms_are_kept():
    rec = recorder(plan={})
    failover(rec, 1, [{"name": "stray", "time_to_ready_seconds": 1}])
    rec.task_failed("Check the plan", T0 + 2, "cycle: a -> b -> a")
    rec.finish(T0 + 3)
    report = rec.build()
    assert report["run"]["result"] == "failed" and report["errors"][0]["message"] == "cycle: a -> b -> a"
    assert report["vms"][0]["priority"] is None and report["vms"][0]["in_plan"] is False
    jsonschema.validate(report, schema.SCHEMA)


@pytest.mark.parametrize("breakage,where", [
    (lambda r: r.pop("vms"), "$: missing vms"),
    (lambda r: r["run"].update(result="green"), "$.run.result"),
    (lambda r: r["summary"].update(vms="4"), "$.summary.vms: expected integer"),
])
def test_schema_checker_names_what_is_wrong(breakage, where):
    rec = recorder()
    rec.finish(T0 + 1)
    report = rec.build()
    breakage(report)
    found = schema.problems(report)
    assert found and found[0].startswith(where)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema.SCHEMA)


def test_iso_times_round_trip():
    assert timefmt.iso(timefmt.parse("2026-11-22T10:00:00.250Z")) == "2026-11-22T10:00:00.250Z"
    assert timefmt.parse("2026-11-22T11:00:00+01:00") == T0
    assert timefmt.parse("yesterday") is None
