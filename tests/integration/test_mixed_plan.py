"""Every runbook playbook on one plan that mixes vSphere and Hyper-V VMs (lab/run/plan-mixed.yml).

The lab's mixed plan puts a vSphere and a Hyper-V VM in priority group 1, and in group 3 a Hyper-V VM that
depends on both of them next to a vSphere VM, so each wave calls the modules once per provider.
"""
import base64
import json
import os
import re
import socket

import pytest
import yaml

from lab.hyperv.launch import start_site
from tests.integration import vcenter
from tests.integration.hyperv.hv_session import A, B, HvLab
from tests.integration.lab_session import Lab

VSPHERE = ["app-db-01", "app-web-01"]
HYPERV = ["hv-db-01", "hv-web-01"]
HOME = {"app-db-01": ("10.10.2.21", "prod-db"), "app-web-01": ("10.10.1.11", "prod-web"),
        "hv-db-01": ("10.10.2.41", "prod-db"), "hv-web-01": ("10.10.1.41", "prod-web")}
RECOVERED = {"app-db-01": ("10.20.2.21", "dr-db"), "app-web-01": ("10.20.1.11", "dr-web"),
             "hv-db-01": ("10.20.2.41", "dr-db"), "hv-web-01": ("10.20.1.41", "dr-web")}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A private lab (both vSphere sites and the Hyper-V hosts): these tests move the lab's app and hv VMs."""
    lab = Lab.start(str(tmp_path_factory.mktemp("mixed-lab")))
    lab.plan_file = os.path.join(lab.run_dir, "plan-mixed.yml")
    lab.hv = HvLab(lab.run_dir, start_site(lab.run_dir), lab.state["ca_file"])
    lab.a, lab.b = lab.connect("site-a"), lab.connect("site-b")
    yield lab
    lab.stop()


def free_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(lab, playbook, *extra):
    proc = lab.playbook(playbook, *extra)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def hv_state(lab, host, vm):
    """State, switch, reported addresses, failover address and replication mode of a Hyper-V VM."""
    return dict(lab.hv.nic(host, vm), mode=lab.hv.replication(host, vm)["mode"])


def hv_stop(lab, host, vm):
    b64 = base64.b64encode(vm.encode("utf-8")).decode("ascii")
    lab.hv.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                    "Get-VM | Where-Object { $_.Name -eq $n } | Stop-VM -TurnOff -Force" % b64)


def replications(lab):
    """replica_info rows of every VM of the plan, from both providers, by name."""
    rows = lab.module("replica_info", {"vms": VSPHERE})["replications"]
    rows += lab.hv.module("replica_info", {"vms": HYPERV})["replications"]
    return dict((row["name"], row) for row in rows)


def assert_home(lab):
    """Every VM runs at its protected site on its production network and address, and replicates healthily."""
    for name in VSPHERE:
        home = vcenter.one(lab.a, name)
        assert home["runtime.powerState"] == "poweredOn", name
        assert (home["guest.ipAddress"], vcenter.network_names(home)) == (HOME[name][0], [HOME[name][1]]), name
        assert vcenter.record(home)["role"] == "source"
        assert vcenter.one(lab.b, name)["runtime.powerState"] == "poweredOff"
    for name in HYPERV:
        home, replica = hv_state(lab, A, name), hv_state(lab, B, name)
        assert (home["state"], home["switch"], home["mode"]) == ("Running", HOME[name][1], "Primary"), home
        assert HOME[name][0] in home["ips"], home
        assert (replica["state"], replica["mode"]) == ("Off", "Replica"), replica
    rows = replications(lab)
    assert dict((n, r["health"]) for n, r in rows.items()) == dict((n, "ok") for n in VSPHERE + HYPERV), rows


def test_drill_on_the_mixed_plan_leaves_nothing_behind(mixed, tmp_path):
    lab = mixed
    reports = tmp_path / "reports"
    proc = run(lab, "drill.yml", "-e", "vmdr_report_dir=%s" % reports)
    # each wave holds VMs of both providers and calls the failover module once per provider
    # (in either provider order; module warnings may be printed between the items of the task)
    tasks = proc.stdout.split("\nTASK [")
    assert any("=> (item=vsphere site-b: app-db-01)" in t and "=> (item=hyperv hv-site-b: hv-db-01)" in t
               for t in tasks), proc.stdout[-6000:]
    [run_id] = os.listdir(reports)
    result = json.loads((reports / run_id / "result.json").read_text())
    assert result["result"] == "passed"
    by_name = dict((vm["name"], vm) for vm in result["vms"])
    assert sorted(by_name) == sorted(VSPHERE + HYPERV)
    assert [by_name[n]["priority"] for n in ("app-db-01", "hv-db-01", "app-web-01", "hv-web-01")] == [1, 1, 3, 3]
    for vm in result["vms"]:
        assert vm["failed"] is False and vm["recovery_point"]["id"], vm
        assert set(n["network"] for n in vm["networks"]) == {"dr-test"}, vm
        assert all(p["target_ip"].startswith("10.99.") for p in vm["reip"]), vm
    assert sorted(result["cleanup"]["removed"]) == ["app-db-01-test", "app-web-01-test",
                                                    "hv-db-01 - Test", "hv-web-01 - Test"]
    # a VM counts as ready only once its plan checks passed: a task file, an HTTP URL and a TCP port
    for line in ("app-db-01: tasks %s/readiness-db.yml passed" % lab.run_dir,
                 "app-web-01: http https://%s:%s/sdk/vimServiceVersions.xml passed" % (lab.site("site-b")["hostname"],
                                                                                       lab.site("site-b")["port"]),
                 "hv-web-01: tcp 127.0.0.1:%s passed" % lab.state["hyperv"]["hosts"]["hv-b1.lab.local"]["port"]):
        assert line in " ".join(proc.stdout.split()), (line, proc.stdout[-4000:])
    # the plan's hooks ran around each priority group and after the cleanup, in that order
    with open(os.path.join(lab.run_dir, "hooks.log")) as handle:
        hooks = [line.split(" ", 1)[1].strip() for line in handle if line.startswith(run_id + " ")]
    assert hooks == ["before_group 1 test app-db-01,hv-db-01", "after_group 1 test app-db-01,hv-db-01",
                     "before_group 3 test app-web-01,hv-web-01", "after_group 3 test app-web-01,hv-web-01",
                     "after_cleanup - test app-db-01,hv-db-01,app-web-01,hv-web-01"], hooks
    assert not [n for n in vcenter.vms(lab.b) if n.endswith("-test")]
    assert not [n for n in lab.hv.vms(B) if n.endswith(" - Test")]
    for name in VSPHERE:
        assert vcenter.one(lab.b, name)["runtime.powerState"] == "poweredOff"
    for name in HYPERV:
        assert hv_state(lab, B, name)["state"] == "Off"
    for secret in yaml.safe_load(open(lab.secrets_file))["vmdr_site_passwords"].values():
        assert secret not in proc.stdout


def test_a_failed_readiness_check_stops_the_drill_and_still_cleans_up(mixed, tmp_path):
    lab = mixed
    plan = yaml.safe_load(open(lab.plan_file))
    closed = free_port()
    [db] = [vm for vm in plan["vms"] if vm["name"] == "hv-db-01"]
    db["readiness"] = [{"type": "tcp", "host": "127.0.0.1", "port": closed, "timeout": 3, "delay": 1}]
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    reports = tmp_path / "reports"
    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "vmdr_report_dir=%s" % reports)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "hv-db-01: tcp 127.0.0.1:%d FAILED" % closed in " ".join(proc.stdout.split()), proc.stdout[-4000:]
    # the group 3 wave depends on hv-db-01 and never started
    assert "Priority 3 wave 1" not in proc.stdout
    [run_id] = os.listdir(reports)
    result = json.loads((reports / run_id / "result.json").read_text())
    assert result["result"] == "failed"
    by_name = dict((vm["name"], vm) for vm in result["vms"])
    assert by_name["hv-db-01"]["failed"] is True and "not ready" in by_name["hv-db-01"]["error"]["message"]
    assert by_name["app-db-01"]["failed"] is False
    assert sorted(result["cleanup"]["removed"]) == ["app-db-01-test", "hv-db-01 - Test"]
    assert not [n for n in vcenter.vms(lab.b) if n.endswith("-test")]
    assert not [n for n in lab.hv.vms(B) if n.endswith(" - Test")]


def test_planned_failover_and_failback_round_trip_of_the_mixed_plan(mixed):
    lab = mixed
    run(lab, "enable_replication.yml")
    preflight = run(lab, "preflight.yml")
    assert "Preflight passed: 4 VMs, no problem found" in preflight.stdout

    planned = run(lab, "planned_failover.yml")
    assert "Priority 1 wave 1" in planned.stdout and "Priority 3 wave 1" in planned.stdout
    for name in VSPHERE:
        assert vcenter.one(lab.a, name)["runtime.powerState"] == "poweredOff"
        recovered = vcenter.one(lab.b, name)
        assert recovered["runtime.powerState"] == "poweredOn"
        assert (recovered["guest.ipAddress"], vcenter.network_names(recovered)) == (RECOVERED[name][0],
                                                                                    [RECOVERED[name][1]])
    for name in HYPERV:
        assert hv_state(lab, A, name)["state"] == "Off"
        recovered = hv_state(lab, B, name)
        assert (recovered["state"], recovered["switch"], recovered["mode"]) == ("Running", RECOVERED[name][1],
                                                                                "Primary"), recovered
        assert recovered["failover_ip"] == RECOVERED[name][0], recovered

    run(lab, "failback.yml")
    assert_home(lab)
    # the plan's replication settings are written back once, and every VM stays home
    run(lab, "enable_replication.yml")
    assert_home(lab)


def test_preflight_of_the_mixed_plan_reports_hyperv_addresses_in_use_and_capacity(mixed, tmp_path):
    """A running VM at hv-b1 already uses hv-db-01's live re-IP target, and hv-b1 is too small for the Hyper-V VMs
    (1 logical processor, 16 GB, a 400 GB replica volume): the preflight reports both for the Hyper-V VMs, and
    nothing for the vSphere ones."""
    lab = mixed
    run(lab, "enable_replication.yml")
    lab.hv.lab("/hardware", body={"host": B, "logical_processors": 1, "memory_mb": 16384,
                                  "volumes": [{"letter": "D", "label": "Replica", "size_gb": 400, "used_gb": 100}]})
    lab.hv.lab("/vms", body={"host": B, "vms": [{"name": "hv-squatter", "switch": "dr-db", "ip": "10.20.2.41",
                                                 "prefix": 24, "gateway": "10.20.2.1", "state": "Running"}]})
    report = tmp_path / "report.json"
    try:
        proc = lab.playbook("preflight.yml", "-e", "vmdr_preflight_report=%s" % report)
    finally:
        hv_stop(lab, B, "hv-squatter")
        lab.hv.lab("/hardware", body={"host": B, "reset": True})
    assert proc.returncode != 0, proc.stdout[-3000:]
    lines = [(p["check"], p["vm"], p["message"]) for p in json.loads(report.read_text())["problems"]]
    assert [p for p in lines if p[0] == "ip_in_use" and p[1] == "hv-db-01" and "10.20.2.41" in p[2]
            and "hv-squatter" in p[2] and "hv-site-b" in p[2]], lines
    capacity = sorted(p[2] for p in lines if p[0] == "capacity")
    assert capacity == sorted([
        "the VMs need 6 vCPUs, room for 2.0 (1 cores x 4 vCPUs per core, 2 vCPUs running, 0% reserve) at hv-site-b",
        "a VM needs 4 vCPUs, the largest host has 1 cores at hv-site-b",
        "the VMs need 12288 MB of memory, 8192 MB free (0% reserve) at hv-site-b",
        "the VMs' disks need 300.0 GB, datastore hv-b1.lab.local D:\\Hyper-V Replica has 0.0 GB free (0% reserve) "
        "at hv-site-b"]), lines
    assert len(lines) == 5, lines
    # the squatter stopped and hv-b1 back to its size: the plan passes
    assert "Preflight passed: 4 VMs, no problem found" in run(lab, "preflight.yml").stdout


def test_unplanned_failover_of_the_mixed_plan_from_chosen_recovery_points(mixed):
    lab = mixed
    run(lab, "enable_replication.yml")
    for _round in range(2):
        assert not lab.module("replica_sync", {"vms": VSPHERE, "force": True})["failed"]
    lab.hv.advance(3 * 3600)
    rows = replications(lab)
    chosen = {}
    for name, row in rows.items():
        points = row["recovery_points"]
        assert len(points) >= 3, row
        chosen[name] = points[1]

    refused = lab.playbook("unplanned_failover.yml")
    assert refused.returncode != 0 and "failover_confirm_unplanned" in refused.stdout
    # the protected sites are lost
    for name in VSPHERE:
        assert vcenter.wait_task(vcenter.one(lab.a, name)["obj"].PowerOffVM_Task()) == "success"
    for name in HYPERV:
        hv_stop(lab, A, name)

    points = json.dumps({"vmdr_recovery_points": dict((n, p["id"]) for n, p in chosen.items())})
    proc = run(lab, "unplanned_failover.yml", "-e", "vmdr_confirm_unplanned=true", "-e", points)
    for name, point in chosen.items():
        assert "%s: ready, recovery point %s " % (name, point["id"]) in proc.stdout, (name, proc.stdout[-4000:])
    for name in VSPHERE:
        recovered = vcenter.one(lab.b, name)
        assert recovered["runtime.powerState"] == "poweredOn"
        assert vcenter.record(recovered)["failover"]["generation"] == chosen[name]["id"]
        assert vcenter.record(vcenter.one(lab.a, name))["role"] == "failed_over"
    for name in HYPERV:
        recovered = hv_state(lab, B, name)
        assert (recovered["state"], recovered["switch"]) == ("Running", RECOVERED[name][1]), recovered
    # a rerun changes nothing at the sites (only the plan's hooks log their run)
    again = run(lab, "unplanned_failover.yml", "-e", "vmdr_confirm_unplanned=true", "-e", points)
    assert re.search(r"^ok: \[localhost\] => \(item=hyperv ", again.stdout, re.M), again.stdout[-2000:]
    assert not re.search(r"^changed: \[localhost\] => \(item=(vsphere|hyperv) ", again.stdout, re.M), again.stdout[-3000:]

    # and the plan comes home again
    run(lab, "failback.yml")
    assert_home(lab)
