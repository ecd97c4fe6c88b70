"""A planned failover killed at several steps and rerun completes, never running a VM at both sites."""
import subprocess
import time

import yaml

from tests.integration import vcenter
from tests.integration.lab_session import BIN, ROOT

VMS = ["bulk-0013", "bulk-0014"]


class Sites(object):
    """Polls both sites; remembers whether a VM was ever seen powered on at both at once."""

    def __init__(self, lab):
        self.a, self.b = lab.connect("site-a"), lab.connect("site-b")
        self.seen_both = []

    def read(self):
        state = {}
        for site, si in (("a", self.a), ("b", self.b)):
            for name, props in vcenter.vms(si, paths=("name", "runtime.powerState", "config.extraConfig")).items():
                if name in VMS:
                    record = vcenter.record(props[0]) or {}
                    state[(site, name)] = (props[0]["runtime.powerState"], record.get("role"))
        for name in VMS:
            if state.get(("a", name), ("",))[0] == "poweredOn" and state.get(("b", name), ("",))[0] == "poweredOn":
                self.seen_both.append(name)
        return state


def run_and_kill(lab, plan_file, sites, predicate, timeout=300):
    """Starts the planned failover playbook and kills it when ``predicate(state)`` first holds."""
    cmd = [BIN + "/ansible-playbook", ROOT + "/playbooks/planned_failover.yml", "-e", "vmdr_plan_file=%s" % plan_file,
           "-e", "@%s" % lab.secrets_file]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=lab.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = False
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        if predicate(sites.read()):
            proc.kill()
            killed = True
            break
    proc.wait()
    sites.read()
    return killed


def test_planned_failover_survives_kills_and_reruns(lab, tmp_path):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [{"name": "bulk-0013", "priority": 1}, {"name": "bulk-0014", "priority": 2}]
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    assert lab.playbook("enable_replication.yml", "-e", "vmdr_plan_file=%s" % plan_file).returncode == 0
    sites = Sites(lab)
    lab.lab_cli("delay", "40")  # stretch every vCenter call so the kills land inside the run
    try:
        kill_points = [
            lambda s: s[("a", "bulk-0013")][0] == "poweredOff",                 # wave 1: source shut down
            lambda s: s[("b", "bulk-0013")][1] == "promoted",                   # wave 1: replica promoted
            lambda s: s[("a", "bulk-0014")][0] == "poweredOff",                 # wave 2: source shut down
        ]
        kills = [run_and_kill(lab, plan_file, sites, point) for point in kill_points]
        final = subprocess.run([BIN + "/ansible-playbook", ROOT + "/playbooks/planned_failover.yml", "-e",
                                "vmdr_plan_file=%s" % plan_file, "-e", "@%s" % lab.secrets_file],
                               cwd=ROOT, env=lab.env(), capture_output=True, text=True, timeout=600, check=False)
    finally:
        lab.lab_cli("delay", "0")
    assert sum(kills) >= 2, kills
    assert final.returncode == 0, final.stdout[-3000:]
    state = sites.read()
    assert not sites.seen_both, sites.seen_both
    for name in VMS:
        assert state[("a", name)] == ("poweredOff", "failed_over"), state
        assert state[("b", name)] == ("poweredOn", "promoted"), state
    # exactly one copy of each VM at each site: nothing lost, nothing duplicated
    for si in (sites.a, sites.b):
        names = vcenter.vms(si)
        assert all(len(names[name]) == 1 for name in VMS)
