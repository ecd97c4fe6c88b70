"""The evidence of a rerun after a killed planned failover: VMs the killed run recovered keep that run's recovery
point, RPO and RTO, and the rerun names the run it resumed; VMs the rerun recovered have the rerun's figures."""
import json
import os
import signal
import subprocess
import time

import pytest
import yaml

from tests.integration import evidence_check
from tests.integration.lab_session import BIN, ROOT, Lab

FIRST, SECOND = "app-db-01", "app-mq-01"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    own = Lab.start(str(tmp_path_factory.mktemp("resume-lab")))
    yield own
    own.stop()


def playbook_cmd(lab, name, plan_file, reports):
    return [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", name), "-e",
            "vmdr_plan_file=%s" % plan_file, "-e", "@%s" % lab.secrets_file, "-e", "vmdr_report_dir=%s" % reports]


def kill_after_first_wave(lab, cmd, reports, timeout=600):
    """Starts the planned failover and kills it (with its module processes) as soon as its journal holds the
    first wave's failover result; returns the killed run's folder."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=lab.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    folder, deadline = None, time.time() + timeout
    try:
        while time.time() < deadline and proc.poll() is None:
            for name in os.listdir(reports) if os.path.isdir(reports) else []:
                journal = os.path.join(reports, name, "events.jsonl")
                if os.path.exists(journal) and '"module": "failover"' in open(journal).read():
                    os.killpg(proc.pid, signal.SIGKILL)
                    folder = os.path.join(reports, name)
                    break
            if folder:
                break
            time.sleep(0.05)
    finally:
        proc.wait(timeout=60)
    assert folder and proc.returncode == -signal.SIGKILL, "the planned failover ended before it could be killed"
    return folder


def test_a_rerun_reports_the_killed_runs_figures_for_the_vms_it_recovered(lab, tmp_path):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [{"name": FIRST, "priority": 1}, {"name": SECOND, "priority": 2}]
    plan_file = str(tmp_path / "plan.yml")
    with open(plan_file, "w") as handle:
        yaml.safe_dump(plan, handle)
    reports = str(tmp_path / "reports")
    enabled = lab.playbook("enable_replication.yml", "-e", "vmdr_plan_file=%s" % plan_file)
    assert enabled.returncode == 0, enabled.stdout[-3000:]

    lab.lab_cli("delay", "40")  # every vCenter call slower, so the kill lands between the two waves
    try:
        killed = kill_after_first_wave(lab, playbook_cmd(lab, "planned_failover.yml", plan_file, reports), reports)
    finally:
        lab.lab_cli("delay", "0")
    killed_id = os.path.basename(killed)
    # the killed run's own evidence, rebuilt from its journal as an auditor would
    rendered = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", "report.yml"),
                               "-e", "vmdr_report=%s" % killed], cwd=ROOT, env=lab.env(), capture_output=True,
                              text=True, timeout=300, check=False)
    assert rendered.returncode == 0, rendered.stdout[-3000:]
    secrets = evidence_check.lab_secrets(lab.run_dir)
    before, dummy, dummy_html = evidence_check.check_run_folder(killed, secrets)
    assert before["run"]["status"] == "interrupted"
    earlier = dict((v["name"], v) for v in before["vms"])[FIRST]
    assert earlier["ready_at"] and earlier["achieved_rpo_seconds"] == 0, earlier
    assert dict((v["name"], v) for v in before["vms"])[SECOND]["result"] == "incomplete"

    time.sleep(2)  # the rerun starts well after the killed run: figures counted from its start would show it
    final = subprocess.run(playbook_cmd(lab, "planned_failover.yml", plan_file, reports), cwd=ROOT, env=lab.env(),
                           capture_output=True, text=True, timeout=1200, check=False)
    assert final.returncode == 0, final.stdout[-3000:]
    folder = evidence_check.run_folder(final.stdout)
    report, junit, html = evidence_check.check_run_folder(folder, secrets)
    run = report["run"]
    assert run["id"] != killed_id and run["result"] == "passed", report
    vms = dict((v["name"], v) for v in report["vms"])

    first = vms[FIRST]
    assert [s["status"] for s in first["steps"] if s["step"] == "planned failover"] == ["ok"], first["steps"]
    for key in ("recovery_point", "achieved_rpo_seconds", "ready_at", "rto_seconds"):
        assert first[key] == earlier[key], (key, first[key], earlier[key])
    assert first["ready_at"] < run["started"]
    assert first["recovered_by"] == {"run_id": killed_id, "started": before["run"]["started"]}, first
    assert run["resumed"]["run_id"] == killed_id and run["resumed"]["status"] == "interrupted", run["resumed"]
    assert run["resumed"]["vms"] == [FIRST], run["resumed"]

    second = vms[SECOND]
    assert [s["status"] for s in second["steps"] if s["step"] == "planned failover"] == ["changed"], second["steps"]
    assert second["recovered_by"] == {"run_id": run["id"], "started": run["started"]}, second
    assert second["ready_at"] > run["started"] and second["rto_seconds"] <= run["duration_seconds"], second
    ready = evidence_check.seconds_between(run["started"], second["ready_at"])
    assert abs(second["rto_seconds"] - ready) < 0.01, (second, run["started"])

    props = dict((p.get("name"), p.get("value")) for p in junit.findall("./testsuite/properties/property"))
    assert props["resumed_run_id"] == killed_id
    case = [c for c in junit.findall("./testsuite/testcase") if c.get("name") == FIRST][0]
    assert "recovered by the earlier run %s" % killed_id in case.find("system-out").text
    assert 'id="resumed" data-run="%s"' % killed_id in html
    assert 'data-vm="%s" data-result="passed" data-recovered-by="%s"' % (FIRST, killed_id) in html
    with open(os.path.join(folder, "report.json")) as handle:
        assert json.load(handle) == report
