"""The preflight playbook reports every problem of a plan in one run and changes nothing: a plan the schema refuses
is reported before any site is asked, and a valid plan is checked against both sites."""
import json
import os
import subprocess

import yaml

from lab.vsphere.seed import SiteSeeder
from tests.integration import vcenter
from tests.integration.lab_session import BIN, ROOT

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
# a VM at the recovery site that already uses app-db-01's live re-IP target (10.10.2.21 -> 10.20.2.21)
SQUATTER = {"name": "dr-squatter", "guest_id": "otherLinux64Guest",
            "nics": [{"network": "dr-db", "ip": "10.20.2.21", "prefix": 24, "gateway": "10.20.2.1"}]}
PASSWORD = "Plan-Pa55word-in-clear"


def snapshot_of(si):
    return dict((name, [(p["runtime.powerState"], p["extra"].get("vmdr.replication"), p["extra"].get("vmdr.test"))
                        for p in props]) for name, props in vcenter.vms(si).items())


def lab_plan(lab):
    with open(lab.plan_file) as handle:
        return yaml.safe_load(handle)


def refused_run(lab, playbook, plan_file, reports):
    """A run the playbook refuses before its evidence record opens (lab.playbook would require the evidence)."""
    cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", playbook),
           "-e", "vmdr_plan_file=%s" % plan_file, "-e", "@%s" % lab.secrets_file]
    return subprocess.run(cmd, cwd=ROOT, env=dict(lab.env(), VMDR_REPORT_DIR=str(reports)), capture_output=True,
                          text=True, timeout=600, check=False)


def files_under(folder):
    for base, dummy, names in os.walk(str(folder)):
        for name in names:
            with open(os.path.join(base, name), errors="replace") as handle:
                yield os.path.join(base, name), handle.read()


def test_a_plan_with_typos_and_bad_values_is_reported_whole_before_any_site_is_asked(lab, site_a, site_b, tmp_path):
    plan = lab_plan(lab)
    plan["polcy"] = plan["policy"]
    plan["policy"] = {"rpo": 0, "recovery_points": 99}
    plan["vms"] = [{"name": "app-db-01", "priorty": 1, "depends_on": ["bulk-0010"]},
                   {"name": "bulk-0010", "priority": 1, "depends_on": ["app-db-01"]},
                   {"name": "app-web-01", "priority": 2, "depend_on": ["app-db-01"]},
                   {"name": "app-web-01", "priority": 3}]
    plan_file = tmp_path / "typos.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    before_a, before_b = snapshot_of(site_a), snapshot_of(site_b)

    report = tmp_path / "report.json"
    proc = lab.playbook("preflight.yml", "-e", "vmdr_plan_file=%s" % plan_file,
                        "-e", "vmdr_preflight_report=%s" % report)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "Preflight passed" not in proc.stdout
    lines = [(p["check"], p["path"], p["vm"], p["message"]) for p in json.loads(report.read_text())["problems"]]
    assert lines == [
        ("schema", "", None, "unknown key 'polcy', did you mean 'policy'?"),
        ("schema", "vms[0]", "app-db-01", "unknown key 'priorty', did you mean 'priority'?"),
        ("schema", "vms[2]", "app-web-01", "unknown key 'depend_on', did you mean 'depends_on'?"),
        ("vms", "vms[2]", "app-web-01", "listed 2 times (vms[2], vms[3]); give each VM one entry"),
        # the misspelt priority leaves app-db-01 in the default group 3
        ("depends_on", "vms[1]", "bulk-0010", "depends on 'app-db-01' of the later priority group 3 (its own group "
                                              "is 1); a VM can only wait for VMs of its own or an earlier group"),
        ("cycle", "vms[0]", "app-db-01", "dependency cycle: app-db-01 -> bulk-0010 -> app-db-01"),
        ("policy", "policy", None, "RPO 0 min is out of range for provider vsphere (5 to 1440 min). Choose an RPO "
                                   "inside the range"),
        ("policy", "policy", None, "recovery_points 99 is out of range (1 to 24)")], lines
    shown = " ".join(proc.stdout.split()).replace("''", "'")  # the report as the debug task prints it
    assert "[schema] vms[2] 'app-web-01': unknown key 'depend_on', did you mean 'depends_on'?" in shown
    # no module ran: the journal of the run holds no module step, and the sites are as they were
    report_json, dummy, dummy = proc.evidence
    assert report_json["steps"] == [] and not [s for vm in report_json["vms"] for s in vm["steps"]], report_json
    assert "changed=1 " in proc.stdout  # the report file
    assert snapshot_of(site_a) == before_a and snapshot_of(site_b) == before_b


def test_a_plan_with_a_password_is_refused_before_the_run_is_recorded(lab, tmp_path):
    plan = lab_plan(lab)
    plan["sites"]["site-a"]["password"] = PASSWORD
    plan_file = tmp_path / "secret.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    reports = tmp_path / "reports"
    for playbook in ("preflight.yml", "drill.yml"):
        proc = refused_run(lab, playbook, plan_file, reports)
        assert proc.returncode != 0, proc.stdout[-3000:]
        assert "sites.site-a: 'password' is a secret and a plan holds none" in proc.stdout, proc.stdout[-3000:]
        assert "vmdr_site_passwords['site-a']" in proc.stdout and "Ansible Vault" in proc.stdout
        assert PASSWORD not in proc.stdout + proc.stderr
    # no run journal (events.jsonl) or report holds the password: none was even opened
    assert not [path for path, text in files_under(reports) if PASSWORD in text]


def test_a_plan_file_that_is_not_yaml_fails_with_its_name_and_the_yaml_reason(lab, tmp_path):
    plan_file = tmp_path / "broken.yml"
    plan_file.write_text("plan:\n  name: erp\n vms:\n  - {name: app-db-01\n")
    proc = refused_run(lab, "preflight.yml", plan_file, tmp_path / "reports")
    assert proc.returncode != 0
    assert ("The recovery plan %s is not valid YAML: line 3, column 2: expected <block end>" % plan_file
            in " ".join(proc.stdout.split())), proc.stdout[-3000:]


def test_preflight_reports_every_site_problem_and_changes_nothing(lab, site_a, site_b, tmp_path):
    assert not lab.module("replica_enable", {"vms": ["bulk-0010"], "placement": PLACEMENT,
                                             "initial_replication": "defer",
                                             "network_map": {"live": {"prod-db": "dr-db"}}})["failed"]
    assert not lab.module("replica_enable", {"vms": ["app-db-01"], "placement": PLACEMENT,
                                             "network_map": {"live": {"prod-db": "dr-db"}}})["failed"]
    plan = lab_plan(lab)
    plan["vms"] = [{"name": "app-db-01", "priority": 1}, {"name": "bulk-0010", "priority": 1},
                   {"name": "ghost-vm", "priority": 2}]
    plan["network_map"]["live"] = {"prod-web": "dr-web"}
    plan["capacity"] = {"reserve_percent": 99}  # keep 99 % of the recovery site free: the VMs do not fit
    seeder = SiteSeeder("site-b", lab.state["sites"]["site-b"], lab.state["ca_file"])
    squatter = seeder.add_guest(SQUATTER)
    plan_file = tmp_path / "broken.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    before_a, before_b = snapshot_of(site_a), snapshot_of(site_b)

    report = tmp_path / "report.json"
    proc = lab.playbook("preflight.yml", "-e", "vmdr_plan_file=%s" % plan_file,
                        "-e", "vmdr_preflight_report=%s" % report)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "Preflight found" in proc.stdout, proc.stdout[-3000:]
    result = json.loads(report.read_text())
    assert result["passed"] is False
    lines = [(p["check"], p["vm"], p["message"]) for p in result["problems"]]
    assert [p for p in lines if p[0] == "replication" and p[1] == "ghost-vm" and "not found" in p[2]]
    assert [p for p in lines if p[0] == "rpo" and p[1] == "bulk-0010" and "no recovery point" in p[2]]
    assert [p for p in lines if p[0] == "network_map" and "prod-db" in p[2] and "not mapped" in p[2]]
    assert [p for p in lines if p[0] == "ip_in_use" and p[1] == "app-db-01" and "10.20.2.21" in p[2]
            and "dr-squatter" in p[2]], "\n".join(map(str, lines))
    capacity = [p[2] for p in lines if p[0] == "capacity"]
    assert [m for m in capacity if "MB of memory" in m and "site-b" in m], lines
    assert [m for m in capacity if "vCPUs" in m], lines
    assert "changed=1 " in proc.stdout  # the report file, and nothing at the sites
    assert snapshot_of(site_a) == before_a and snapshot_of(site_b) == before_b
    assert vcenter.wait_task(squatter.PowerOffVM_Task()) == "success"
    assert vcenter.wait_task(squatter.Destroy_Task()) == "success"
    seeder.close()
    del plan["capacity"]

    plan["vms"] = [{"name": "app-db-01", "priority": 1}]
    plan["network_map"]["live"] = {"prod-db": "dr-db"}
    plan_file.write_text(yaml.safe_dump(plan))
    proc = lab.playbook("preflight.yml", "-e", "vmdr_plan_file=%s" % plan_file)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Preflight passed: 1 VMs, no problem found" in proc.stdout
