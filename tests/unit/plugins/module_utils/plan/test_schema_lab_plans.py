"""The plans the lab writes (python -m lab.plan) pass the plan schema, task files included, and hold no secret."""
import json
import os

import yaml

from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems
from lab import plan as lab_plan

SITE = {"provider": "vsphere", "port": 8443, "username": "admin@lab", "datacenter": "DC0", "password": "vs-secret"}
HOST = {"port": 5986, "username": "LAB\\dr-svc", "transport": "ntlm", "password": "hv-secret"}


def lab_state(run_dir):
    state = {
        "ca_file": os.path.join(run_dir, "ca.pem"),
        "sites": {"site-a": dict(SITE, role="protected", hostname="127.0.0.1"),
                  "site-b": dict(SITE, role="recovery", hostname="127.0.0.2", cluster="DC0_C0",
                                 datastore="LocalDS_0", replica_folder="vmdr-replicas")},
        "vms": [{"name": name, "site": "site-a"} for name in ("app-db-01", "app-mq-01", "app-web-01", "app-web-02")],
        "hyperv": {"hosts": dict((name, dict(HOST, address="127.0.1.%d" % i))
                                 for i, name in enumerate(("hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local")))},
    }
    with open(os.path.join(run_dir, "lab.json"), "w") as handle:
        json.dump(state, handle)
    return state


def test_every_lab_plan_passes_the_schema_with_its_task_files(tmp_path):
    lab_state(str(tmp_path))
    written = lab_plan.write(str(tmp_path))
    plans = [path for path in written if os.path.basename(path).startswith("plan")]
    assert [os.path.basename(p) for p in plans] == ["plan.yml", "plan-hyperv.yml", "plan-mixed.yml"]
    for path in plans:
        with open(path) as handle:
            text = handle.read()
        assert plan_problems(yaml.safe_load(text), [str(tmp_path)]) == [], path
        assert "vs-secret" not in text and "hv-secret" not in text
    with open(os.path.join(str(tmp_path), "plan-mixed.yml")) as handle:
        mixed = yaml.safe_load(handle)
    # the mixed plan names task files (hooks, a readiness check), so the file check has something to find
    assert mixed["hooks"]["before_group"] == os.path.join(str(tmp_path), "hook.yml")
    os.remove(os.path.join(str(tmp_path), "hook.yml"))
    assert [p["path"] for p in plan_problems(mixed, [str(tmp_path)])] == [
        "hooks.before_group", "hooks.after_group", "hooks.after_cleanup"]
