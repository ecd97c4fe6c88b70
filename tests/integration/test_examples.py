"""Example playbooks parse (ansible-playbook --syntax-check on every example and playbook), and every task of the
AWX workflow (examples/awx/workflow.yml) passes the argument validation of the real awx.awx modules."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.integration.lab_session import BIN, ROOT

AWX = os.path.join(ROOT, "examples", "awx")
AWX_COLLECTIONS = os.path.join(ROOT, ".build", "awx-collections")
# files under examples/ that are data, not playbooks
DATA = (os.path.join("examples", "awx", "credential_types"), os.path.join("examples", "ee"))
PLAYBOOKS = sorted(path for path in glob.glob(os.path.join(ROOT, "examples", "**", "*.yml"), recursive=True)
                   + glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))
                   if not os.path.relpath(path, ROOT).startswith(DATA))
CONNECTION_REFUSED = "There was an unknown error when trying to connect to https://127.0.0.1:9/api/"


@pytest.fixture(scope="module")
def awx_env():
    """awx.awx from the `ansible` package on PyPI (examples/awx/install_awx_collection.py; a no-op once there)."""
    subprocess.run([sys.executable, os.path.join(AWX, "install_awx_collection.py"), "--dest", AWX_COLLECTIONS],
                   check=True, capture_output=True, text=True)
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([os.path.join(ROOT, ".build", "collections"), AWX_COLLECTIONS]))


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=[os.path.relpath(p, ROOT) for p in PLAYBOOKS])
def test_syntax(playbook, awx_env):
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", playbook], cwd=ROOT, env=awx_env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_awx_workflow_arguments(awx_env, tmp_path):
    """Each task of the workflow runs once against a controller address that refuses connections: a task whose
    arguments the awx.awx module refuses fails with that refusal; one that passes fails only on the connection."""
    work = str(tmp_path / "awx")
    shutil.copytree(AWX, work)
    with open(os.path.join(AWX, "workflow.yml")) as handle:
        play = yaml.safe_load(handle)[0]
    tasks = []
    for index, task in enumerate(play["tasks"]):
        tasks.append(dict(task, register="result_%d" % index, ignore_errors=True))
    out = os.path.join(str(tmp_path), "results.json")
    tasks.append({"ansible.builtin.copy": {
        "content": "{{ [%s] | to_json }}" % ", ".join("result_%d" % i for i in range(len(play["tasks"]))), "dest": out}})
    check_vars = dict(play["vars"], vmdr_site_passwords={"site-a": "password-of-site-a", "site-b": "password-of-site-b"})
    with open(os.path.join(work, "argument_check.yml"), "w") as handle:
        yaml.safe_dump([dict(play, vars=check_vars, tasks=tasks)], handle, sort_keys=False)
    env = dict(awx_env, CONTROLLER_HOST="https://127.0.0.1:9", CONTROLLER_OAUTH_TOKEN="token", CONTROLLER_VERIFY_SSL="true")
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(work, "argument_check.yml")], cwd=work,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out) as handle:
        results = json.load(handle)
    modules = set()
    for task, result in zip(play["tasks"], results):
        module = next(key for key in task if key.startswith("awx.awx."))
        modules.add(module)
        for item in result.get("results", [result]):
            assert item.get("failed"), (task["name"], item)
            assert item["msg"].startswith(CONNECTION_REFUSED), (task["name"], item["msg"])
    assert {"awx.awx.credential_type", "awx.awx.credential", "awx.awx.job_template", "awx.awx.workflow_job_template",
            "awx.awx.workflow_job_template_node"} <= modules
    approval = [task for task in play["tasks"] if "approval_node" in task.get("awx.awx.workflow_job_template_node", {})]
    assert len(approval) == 1
    failover = [task for task in play["tasks"]
                if task.get("awx.awx.workflow_job_template_node", {}).get("unified_job_template") == "vmdr planned failover"]
    assert approval[0]["awx.awx.workflow_job_template_node"]["success_nodes"] == \
        [failover[0]["awx.awx.workflow_job_template_node"]["identifier"]]


def test_credential_type_injects_every_module_fallback():
    """The site pair credential type injects the modules' environment fallbacks and the runbooks' passwords."""
    with open(os.path.join(AWX, "credential_types", "site_pair_injectors.yml")) as handle:
        injectors = yaml.safe_load(handle)
    with open(os.path.join(AWX, "credential_types", "site_pair_inputs.yml")) as handle:
        fields = {field["id"] for field in yaml.safe_load(handle)["fields"]}
    for role in ("SOURCE", "TARGET"):
        for suffix in ("NAME", "HOST", "USERNAME", "PASSWORD", "CA_PATH"):
            assert "VMDR_%s_%s" % (role, suffix) in injectors["env"]
    sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
    from ansible_collections.vmdr.replication.plugins.module_utils.common.argument_spec import site_options
    fallbacks = {spec["fallback"][1][0] for spec in site_options("source")["options"].values() if "fallback" in spec}
    fallbacks |= {spec["fallback"][1][0] for spec in site_options("target")["options"].values() if "fallback" in spec}
    assert set(injectors["env"]) <= fallbacks, set(injectors["env"]) - fallbacks
    assert injectors["extra_vars"]["vmdr_site_passwords"] == {
        "{{ source_name }}": "{{ source_password }}", "{{ target_name }}": "{{ target_password }}"}
    used = set()
    for template in list(injectors["env"].values()) + list(injectors["file"].values()):
        used |= {name for name in fields if name in template}
    assert used == fields
