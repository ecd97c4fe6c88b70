"""The drill runbook end to end on the lab: enable -> sync -> test failover per priority group -> verify -> cleanup."""
import json
import os

import yaml

from tests.integration import vcenter


def test_drill_playbook_passes_and_leaves_nothing_behind(lab, site_b, tmp_path):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [vm for vm in plan["vms"] if vm["name"] in ("app-db-01", "app-mq-01", "app-web-01")]
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    reports = tmp_path / "reports"

    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "vmdr_report_dir=%s" % reports)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Drill passed: report at" in proc.stdout

    [run] = os.listdir(reports)
    result = json.loads((reports / run / "result.json").read_text())
    assert result["result"] == "passed"
    assert result["run_id"] == run
    by_name = dict((vm["name"], vm) for vm in result["vms"])
    assert sorted(by_name) == ["app-db-01", "app-mq-01", "app-web-01"]
    assert [by_name[n]["priority"] for n in ("app-db-01", "app-mq-01", "app-web-01")] == [1, 2, 3]
    assert all(by_name[n]["wave"] == 1 for n in by_name)
    for vm in result["vms"]:
        assert vm["failed"] is False
        assert vm["recovery_point"]["id"]
        assert 0 <= vm["achieved_rpo_seconds"] < 900
        assert vm["time_to_ready_seconds"] > 0
        assert set(n["network"] for n in vm["networks"]) == {"dr-test"}
        assert all(p["target_ip"].startswith("10.99.") for p in vm["reip"])
    assert sorted(result["cleanup"]["removed"]) == ["app-db-01-test", "app-mq-01-test", "app-web-01-test"]

    # nothing of the drill is left at the recovery site: no test copy, no test disk folder
    names = vcenter.vms(site_b)
    assert not [n for n in names if n.endswith("-test")]
    # the replicas stay powered off and were never moved off their recovery networks
    for name in by_name:
        replica = names[name][0]
        assert replica["runtime.powerState"] == "poweredOff"
        assert "dr-test" not in vcenter.network_names(replica)

    # every secret stays out of the evidence
    text = (reports / run / "result.json").read_text() + proc.stdout
    for site in lab.state["sites"].values():
        assert site["password"] not in text


def test_drill_playbook_on_the_hyperv_plan(lab, tmp_path):
    reports = tmp_path / "reports"
    plan_file = lab.plan_file.replace("plan.yml", "plan-hyperv.yml")
    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "vmdr_report_dir=%s" % reports)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    [run] = os.listdir(reports)
    result = json.loads((reports / run / "result.json").read_text())
    assert result["result"] == "passed"
    by_name = dict((vm["name"], vm) for vm in result["vms"])
    assert sorted(by_name) == ["hv-db-01", "hv-web-01"]
    for vm in result["vms"]:
        assert vm["failed"] is False and vm["recovery_point"]
        assert set(n["network"] for n in vm["networks"]) == {"dr-test"}
    assert sorted(result["cleanup"]["removed"]) == ["hv-db-01 - Test", "hv-web-01 - Test"]
    for site in lab.state["hyperv"]["hosts"].values():
        assert site["password"] not in proc.stdout
