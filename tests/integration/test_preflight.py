"""The preflight playbook reports every seeded problem of a broken plan in one run and changes nothing."""
import json

import yaml

from lab.vsphere.seed import SiteSeeder
from tests.integration import vcenter

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
# a VM at the recovery site that already uses app-db-01's live re-IP target (10.10.2.21 -> 10.20.2.21)
SQUATTER = {"name": "dr-squatter", "guest_id": "otherLinux64Guest",
            "nics": [{"network": "dr-db", "ip": "10.20.2.21", "prefix": 24, "gateway": "10.20.2.1"}]}


def snapshot_of(si):
    return dict((name, [(p["runtime.powerState"], p["extra"].get("vmdr.replication"), p["extra"].get("vmdr.test"))
                        for p in props]) for name, props in vcenter.vms(si).items())


def test_preflight_reports_every_problem_and_changes_nothing(lab, site_a, site_b, tmp_path):
    assert not lab.module("replica_enable", {"vms": ["bulk-0010"], "placement": PLACEMENT, "initial_replication": "defer",
                                             "network_map": {"live": {"prod-db": "dr-db"}}})["failed"]
    assert not lab.module("replica_enable", {"vms": ["app-db-01"], "placement": PLACEMENT,
                                             "network_map": {"live": {"prod-db": "dr-db"}}})["failed"]
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [{"name": "app-db-01", "priority": 1, "depends_on": ["bulk-0010"]},
                   {"name": "bulk-0010", "priority": 1, "depends_on": ["app-db-01"]},
                   {"name": "ghost-vm", "priority": 2}]
    plan["network_map"]["live"] = {"prod-web": "dr-web"}
    plan["capacity"] = {"reserve_percent": 99}  # keep 99 % of the recovery site free: the VMs do not fit
    seeder = SiteSeeder("site-b", lab.state["sites"]["site-b"], lab.state["ca_file"])
    squatter = seeder.add_guest(SQUATTER)
    plan_file = tmp_path / "broken.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    before_a, before_b = snapshot_of(site_a), snapshot_of(site_b)

    report = tmp_path / "report.json"
    proc = lab.playbook("preflight.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "vmdr_preflight_report=%s" % report)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "Preflight found" in proc.stdout, proc.stdout[-3000:]
    result = json.loads(report.read_text())
    assert result["passed"] is False
    lines = [(p["check"], p["vm"], p["message"]) for p in result["problems"]]
    assert ("cycle", "app-db-01", "dependency cycle: app-db-01 -> bulk-0010 -> app-db-01") in lines
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
