"""A drill run the way AWX runs a job: ansible-runner with a private data folder laid out as AWX lays it out
(project/ from examples/awx/project, inventory/, env/extravars, env/envvars, artifacts/), the collection installed
from its built tarball into an otherwise empty collections path (as in the execution environment), the site
passwords as the "vmdr.replication site pair" credential injects them, against the lab. Checks the job's stdout,
its events, and the set_stats artifacts (vmdr_run) that AWX shows under the job's Artifacts."""
import glob
import json
import os
import shutil
import subprocess

import pytest
import yaml

from tests.integration import evidence_check
from tests.integration.lab_session import BIN, ROOT, private_lab_fixture

ansible_runner = pytest.importorskip("ansible_runner")  # requirements-dev.txt installs it; the import names it

IDENT = "vmdr-drill-job"


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


lab = private_lab_fixture("awx-lab", "the drill here enables replication of every VM of the lab's plan, which the tests "
                          "sharing the session lab expect to find unreplicated")


@pytest.fixture(scope="module")
def installed_collection(tmp_path_factory):
    """The collection as an execution environment has it: built, then installed from the tarball."""
    work = tmp_path_factory.mktemp("ee-collections")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                    str(work / "dist"), ROOT], check=True, capture_output=True, text=True)
    tarball = glob.glob(str(work / "dist" / "vmdr-replication-*.tar.gz"))[0]
    collections = str(work / "collections")
    # without the checkout's ansible.cfg, whose collections path already holds the collection (as a link)
    env = {key: value for key, value in os.environ.items() if key != "ANSIBLE_CONFIG"}
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", collections, tarball],
                   check=True, capture_output=True, text=True, env=env)
    assert os.path.isfile(os.path.join(collections, "ansible_collections", "vmdr", "replication", "MANIFEST.json"))
    return collections


def private_data_dir(base, lab, collections):
    """project/, inventory/, env/ as AWX writes them for a job of the "vmdr drill" job template."""
    pdd = os.path.join(base, "pdd")
    shutil.copytree(os.path.join(ROOT, "examples", "awx", "project"), os.path.join(pdd, "project"))
    plan = os.path.join(pdd, "project", "plans", "lab.yml")
    shutil.copy(lab.plan_file, plan)
    os.makedirs(os.path.join(pdd, "inventory"))
    with open(os.path.join(pdd, "inventory", "hosts"), "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                     % os.path.join(BIN, "python"))
    with open(lab.secrets_file) as handle:
        passwords = yaml.safe_load(handle)["vmdr_site_passwords"]
    os.makedirs(os.path.join(pdd, "env"))
    # the job template's extra variables, and what the site pair credential's extra_vars injector adds
    with open(os.path.join(pdd, "env", "extravars"), "w") as handle:
        yaml.safe_dump({"vmdr_plan_file": plan, "vmdr_site_passwords": passwords}, handle)
    # the credential's env injectors; no ANSIBLE_CONFIG: the job sees only the installed collection
    env = {key: value for key, value in lab.env().items() if key.startswith("VMDR_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections, PATH=BIN + os.pathsep + os.environ["PATH"], ANSIBLE_NOCOLOR="1",
               HOME=base)
    with open(os.path.join(pdd, "env", "envvars"), "w") as handle:
        yaml.safe_dump(env, handle)
    return pdd


@pytest.fixture(scope="module")
def job(lab, installed_collection, tmp_path_factory):
    base = str(tmp_path_factory.mktemp("awx-job"))
    pdd = private_data_dir(base, lab, installed_collection)
    with pytest.MonkeyPatch.context() as patch:
        # ansible-runner hands its own environment to the job: like AWX, no ansible.cfg of the checkout
        patch.delenv("ANSIBLE_CONFIG", raising=False)
        runner = ansible_runner.run(private_data_dir=pdd, playbook="drill.yml", ident=IDENT, quiet=True,
                                    settings={"suppress_ansible_output": True})
    return {"runner": runner, "pdd": pdd, "artifacts": os.path.join(pdd, "artifacts", IDENT), "lab": lab,
            "collections": installed_collection}


def test_job_succeeds(job):
    runner = job["runner"]
    assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()[-6000:]


def test_job_artifacts_on_disk(job):
    artifacts = job["artifacts"]
    for name in ("stdout", "rc", "status", "command"):
        assert os.path.isfile(os.path.join(artifacts, name)), name
    with open(os.path.join(artifacts, "status")) as handle:
        assert handle.read().strip() == "successful"
    with open(os.path.join(artifacts, "stdout")) as handle:
        stdout = handle.read()
    assert "PLAY [DR drill of a recovery plan]" in stdout and "Run evidence (passed): " in stdout
    events = glob.glob(os.path.join(artifacts, "job_events", "*.json"))
    kinds = set()
    for path in events:
        with open(path) as handle:
            kinds.add(json.load(handle)["event"])
    assert {"playbook_on_start", "playbook_on_task_start", "runner_on_ok", "playbook_on_stats"} <= kinds


def test_evidence_outside_the_collection_with_its_version(job):
    with open(os.path.join(job["artifacts"], "stdout")) as handle:
        folder = evidence_check.run_folder(handle.read())
    report, _junit, _html = evidence_check.check_run_folder(folder, evidence_check.lab_secrets(job["lab"].run_dir))
    # AWX runs the playbook in the project folder: reports/ under it, not inside the installed collection
    assert os.path.realpath(folder).startswith(os.path.realpath(os.path.join(job["pdd"], "project", "reports")) + os.sep)
    assert not os.path.realpath(folder).startswith(os.path.realpath(job["collections"]) + os.sep)
    assert report["run"]["versions"]["vmdr_replication"] == galaxy_version()


def test_set_stats_artifacts(job):
    """What AWX shows as the job's artifacts: the set_stats data in the playbook_on_stats event (artifact_data)."""
    stats = [event for event in job["runner"].events if event["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    artifacts = stats[0]["event_data"].get("artifact_data") or {}
    assert "vmdr_run" in artifacts, "the drill published no set_stats artifacts: %s" % stats[0]["event_data"]
    run = artifacts["vmdr_run"]
    assert run["runbook"] == "drill" and run["mode"] == "test" and run["check_mode"] is False
    assert run["verdict"] == "passed" and run["failed_vms"] == 0 and run["vms"] >= 1
    assert run["rto_worst_seconds"] is not None and run["rto_target_seconds"] is not None
    for key in ("report_html", "report_json", "junit_xml"):
        assert os.path.isfile(run[key]), (key, run[key])
    assert run["report_dir"] == os.path.dirname(run["report_json"])
