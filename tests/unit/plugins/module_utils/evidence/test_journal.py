import json

import jsonschema

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import schema, timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.journal import (
    FILE, JournalRecorder, replay)

T0 = timefmt.parse("2026-11-22T10:00:00Z")
PLAN = {"plan": {"name": "shop"}, "targets": {"rto_seconds": 60},
        "vms": [{"name": "db", "priority": 1}, {"name": "web", "priority": 2}]}


def start(folder, secrets=()):
    return JournalRecorder(str(folder), list(secrets), {"runbook": "drill", "mode": "test", "run_id": "r"}, PLAN,
                           {"user": "ops"}, T0)


def step(rec, name, at):
    rec.module_step(task="wave", module="failover", mode="test", started=T0 + at, finished=T0 + at + 5,
                    status="changed", vm_results=[{"name": name, "time_to_ready_seconds": 3}])


def test_replaying_the_journal_gives_the_same_report(tmp_path):
    rec = start(tmp_path)
    step(rec, "db", 1)
    rec.readiness(task="tcp", at=T0 + 6, item={"vm": "db", "check": "tcp db:5432", "passed": True})
    step(rec, "web", 7)
    rec.finish(at=T0 + 20)
    assert replay(str(tmp_path / FILE)).build() == rec.build()


def test_a_killed_run_is_interrupted_at_its_last_event(tmp_path):
    rec = start(tmp_path)
    step(rec, "db", 1)
    with open(str(tmp_path / FILE), "a") as handle:
        handle.write('{"event": "module_step", "args": {"ta')  # the kill cut the last line
    report = replay(str(tmp_path / FILE)).build()
    assert report["run"]["status"] == "interrupted" and report["run"]["finished"] == timefmt.iso(T0 + 6)
    results = dict((v["name"], v["result"]) for v in report["vms"])
    assert results == {"db": "passed", "web": "incomplete"} and report["run"]["result"] == "incomplete"
    jsonschema.validate(report, schema.SCHEMA)


def test_the_journal_holds_no_secret(tmp_path):
    rec = start(tmp_path, secrets=["Sup3r-Secret"])
    rec.task_failed(task="login", at=T0 + 1, message="password Sup3r-Secret refused")
    text = (tmp_path / FILE).read_text()
    assert "Sup3r-Secret" not in text
    assert json.loads(text.splitlines()[-1])["args"]["message"] == "password ******** refused"
