"""--check on every runbook (issue 14 item 3): the play says it is a check run, never prints a verdict it did not reach
("Drill passed" after a check run was the bug), publishes the verdict "not verified (check run)", and fails no step
that a check run cannot verify (the drill's verify step, readiness checks, syncs of VMs it would enable first)."""
import json
import os
import re
import subprocess

import pytest

from tests.integration.lab_session import BIN, ROOT, Lab

NOTICE = "Check run (--check): nothing is changed at the sites"
NOT_VERIFIED = "not verified (check run)"
# runbook -> extra arguments; all of them change the sites, so a check run cannot reach their verdict
CHANGING = {"drill": [], "test_failover": [], "cleanup_test_failover": [], "planned_failover": [], "failback": [],
            "enable_replication": []}


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory):
    """A lab of its own: the first check run must meet VMs whose replication is not enabled yet."""
    lab = Lab.start(str(tmp_path_factory.mktemp("check-mode-lab")))
    yield lab
    lab.stop()


def run(lab, playbook, *extra, **kw):
    env = lab.env()
    env.update(VMDR_REPORT_DIR=os.path.join(lab.run_dir, "reports"), ANSIBLE_SHOW_CUSTOM_STATS="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", playbook + ".yml"),
           "-e", "vmdr_plan_file=%s" % lab.plan_file, "-e", "@%s" % lab.secrets_file] + list(extra)
    if kw.get("check", True):
        cmd.append("--check")
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)


def artifact(proc):
    match = re.search(r"CUSTOM STATS: \*+\s*\n\s*RUN: (\{.*\})\s*$", proc.stdout, re.M)
    assert match, proc.stdout[-4000:]
    return json.loads(match.group(1))["vmdr_run"]


def replicated(lab):
    """Names of the plan's VMs that have a replication (replica_info with no vms lists the site pair's)."""
    info = lab.module("replica_info", {})
    return sorted(r["name"] for r in info.get("replications", []) if r.get("source") and r.get("replica"))


def assert_check_run(proc, runbook):
    out = proc.stdout
    assert NOTICE in out, out[-3000:]
    assert not re.search(r"\b(Drill|%s) (passed|failed)\b" % runbook, out), out[-3000:]
    stats = artifact(proc)
    assert stats["check_mode"] is True and stats["runbook"] == runbook
    return stats


def test_drill_check_run_before_replication_is_not_verified(own_lab):
    """Nothing is replicated yet: the check run would enable replication first, so it syncs and fails over nothing
    (those calls fail without a replica) and says which VMs it could not verify."""
    assert replicated(own_lab) == []
    proc = run(own_lab, "drill")
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    stats = assert_check_run(proc, "drill")
    assert stats["verdict"] == NOT_VERIFIED
    assert "Not verified: check run. Replication of" in proc.stdout
    assert "Drill not verified: check run" in proc.stdout
    assert replicated(own_lab) == []


@pytest.fixture(scope="module")
def protected(own_lab):
    proc = run(own_lab, "enable_replication", check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert artifact(proc)["verdict"] == "passed"
    return own_lab


@pytest.mark.parametrize("runbook", sorted(CHANGING))
def test_check_run_of_a_changing_runbook_is_not_verified(protected, runbook):
    before = replicated(protected)
    proc = run(protected, runbook, *CHANGING[runbook])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    stats = assert_check_run(proc, runbook)
    assert stats["verdict"] == NOT_VERIFIED
    assert stats["report_html"].startswith(os.path.join(protected.run_dir, "reports"))
    assert replicated(protected) == before
    if runbook == "drill":
        # the verify step is not failed for copies a check run never started
        assert "Test copies not verified: check run" in proc.stdout
        assert "Drill not verified: check run" in proc.stdout


def test_check_run_of_the_preflight_reaches_its_verdict(protected):
    """The preflight changes nothing, so its check run is a full preflight and its verdict stands."""
    proc = run(protected, "preflight")
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert NOTICE in proc.stdout
    assert "Preflight passed (check run" in proc.stdout
    assert artifact(proc)["verdict"] == "passed"


def test_check_run_that_really_fails_says_failed(protected):
    """An unplanned failover while the sources run fails in a check run too: that verdict is reached."""
    proc = run(protected, "unplanned_failover", "-e", "vmdr_confirm_unplanned=true")
    assert proc.returncode != 0
    assert NOTICE in proc.stdout
    stats = artifact(proc)
    assert stats["verdict"] == "failed" and stats["check_mode"] is True
    assert "still running" in proc.stdout
