"""The collection as a user gets it (issue 14 item 1): built into a tarball, installed into an empty collections
path, the drill runs by its FQCN with a plan outside the collection and no vmdr_report_dir, and leaves its evidence
under the working directory, never inside the collection, with the collection's version and the run's verdict,
RTO/RPO and report paths published with set_stats. Without a plan it stops first, naming vmdr_plan_file."""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from tests.integration.lab_session import BIN, private_lab_fixture
from tests.release import collection_build

EVIDENCE = ("report.json", "report.html", "junit.xml", "events.jsonl", "result.json")


lab = private_lab_fixture("installed-lab", "the drill here enables replication of every VM of the lab's plan, which the tests "
                          "sharing the session lab expect to find unreplicated")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(collections path, installed collection folder, a working directory outside both)."""
    base = tmp_path_factory.mktemp("installed")
    tarball = collection_build.build(base / "dist")
    collection = collection_build.install(tarball, base / "collections")
    work = base / "work"
    work.mkdir()
    return str(base / "collections"), collection, str(work)


def user_env(lab, collections_path):
    """What a user's shell has: the lab's credentials fallbacks aside, no repository ansible.cfg and no report dir."""
    env = lab.env()
    env.pop("VMDR_REPORT_DIR", None)
    env.update(ANSIBLE_CONFIG=collection_build.user_config(os.path.dirname(collections_path)),
               ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_SHOW_CUSTOM_STATS="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    return env


def run_installed(lab, installed, *args):
    collections_path, dummy, work = installed
    cmd = [os.path.join(BIN, "ansible-playbook"), "vmdr.replication.drill"] + list(args)
    return subprocess.run(cmd, cwd=work, env=user_env(lab, collections_path), capture_output=True, text=True,
                          timeout=1800, check=False)


def custom_stats(stdout):
    """The vmdr_run artifact ansible-playbook prints with ANSIBLE_SHOW_CUSTOM_STATS (what AWX keeps)."""
    match = re.search(r"CUSTOM STATS: \*+\s*\n\s*RUN: (\{.*\})\s*$", stdout, re.M)
    assert match, stdout[-3000:]
    return json.loads(match.group(1))["vmdr_run"]


def evidence_files(folder):
    found = []
    for base, dummy, names in os.walk(folder):
        found.extend(os.path.join(base, n) for n in names if n in EVIDENCE)
    return found


def plan_outside(lab, work):
    """The lab's plan, copied to a folder of its own outside the collection and the lab's run folder."""
    folder = os.path.join(work, "plans")
    os.makedirs(folder, exist_ok=True)
    plan = os.path.join(folder, "plan.yml")
    shutil.copy(lab.plan_file, plan)
    return plan


def test_installed_drill_leaves_evidence_outside_the_collection(lab, installed):
    collections_path, collection, work = installed
    plan = plan_outside(lab, work)
    proc = run_installed(lab, installed, "-e", "vmdr_plan_file=%s" % plan, "-e", "@%s" % lab.secrets_file)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
    assert evidence_files(collection) == []
    runs = [os.path.join(work, "reports", n) for n in os.listdir(os.path.join(work, "reports"))]
    assert len(runs) == 1 and os.path.basename(runs[0]).startswith("drill-")
    with open(os.path.join(runs[0], "report.json")) as handle:
        report = json.load(handle)
    assert report["run"]["result"] == "passed"
    assert report["plan"]["file"] == plan
    stats = custom_stats(proc.stdout)
    assert stats["verdict"] == "passed" and stats["check_mode"] is False
    assert stats["report_html"] == os.path.join(runs[0], "report.html") and os.path.isfile(stats["report_html"])
    assert stats["junit_xml"] == os.path.join(runs[0], "junit.xml") and os.path.isfile(stats["junit_xml"])
    assert stats["rto_worst_seconds"] == report["summary"]["rto"]["worst_seconds"]
    assert stats["rpo_worst_seconds"] == report["summary"]["rpo"]["worst_seconds"]
    assert stats["vms"] == report["summary"]["vms"] and stats["failed_vms"] == 0
    # the version of the installed collection (its MANIFEST.json; a built collection has no galaxy.yml)
    with open(os.path.join(collection, "MANIFEST.json")) as handle:
        version = json.load(handle)["collection_info"]["version"]
    assert report["run"]["versions"]["vmdr_replication"] == version == "0.2.0"


def test_installed_drill_without_a_plan_stops_first_naming_vmdr_plan_file(lab, installed):
    proc = run_installed(lab, installed, "-e", "@%s" % lab.secrets_file)
    assert proc.returncode != 0
    first_task = re.search(r"^TASK \[(.*?)\]", proc.stdout, re.M).group(1)
    assert "vmdr_plan_file" in first_task or first_task.startswith("vmdr.replication.runbook : Validating")
    assert "No recovery plan given: set vmdr_plan_file" in proc.stdout
    assert "Unknown error" not in proc.stdout
    assert evidence_files(installed[1]) == [] and not os.path.exists(os.path.join(installed[2], "reports", "run"))


def test_installed_drill_refuses_a_report_dir_inside_the_collection(lab, installed):
    collections_path, collection, work = installed
    plan = plan_outside(lab, work)
    inside = os.path.join(collection, "reports")
    proc = run_installed(lab, installed, "-e", "vmdr_plan_file=%s" % plan, "-e", "@%s" % lab.secrets_file,
                         "-e", "vmdr_report_dir=%s" % inside)
    assert proc.returncode != 0
    assert "is inside the collection vmdr.replication" in proc.stdout
    assert not os.path.exists(inside) and evidence_files(collection) == []


def test_installed_playbooks_name_no_lab_path(installed):
    """The shipped playbooks default nothing to the repository's lab or reports folders."""
    playbooks = os.path.join(installed[1], "playbooks")
    for name in os.listdir(playbooks):
        if name.endswith(".yml"):
            with open(os.path.join(playbooks, name)) as handle:
                text = handle.read()
            yaml.safe_load(text)
            assert "lab/run" not in text and "/../reports" not in text, name
