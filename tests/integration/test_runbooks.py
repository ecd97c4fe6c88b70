"""The runbook playbooks on a recovery plan: replicate, test + cleanup, planned failover and failback round trip,
and the refusals that come before any change."""
import yaml

from tests.integration import vcenter

VMS = ["bulk-0011", "bulk-0012"]


def snapshot_of(si):
    return dict((name, [(p["runtime.powerState"], p["extra"].get("vmdr.replication"), p["extra"].get("vmdr.test"))
                        for p in props]) for name, props in vcenter.vms(si).items())


def recap_changed(stdout):
    line = [l for l in stdout.splitlines() if l.startswith("localhost") and "changed=" in l][-1]
    return int(line.split("changed=")[1].split()[0])


def test_runbooks_round_trip(lab, site_a, site_b, tmp_path):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [{"name": "bulk-0011", "priority": 1}, {"name": "bulk-0012", "priority": 2, "depends_on": ["bulk-0011"]}]
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(plan))

    def run(playbook, *extra):
        proc = lab.playbook(playbook, "-e", "vmdr_plan_file=%s" % plan_file, *extra)
        return proc

    first = run("enable_replication.yml")
    assert first.returncode == 0, first.stdout[-3000:]
    again = run("enable_replication.yml")
    assert again.returncode == 0 and recap_changed(again.stdout) == 0, again.stdout[-2000:]

    test = run("test_failover.yml")
    assert test.returncode == 0, test.stdout[-3000:]
    assert "Priority 1 wave 1" in test.stdout and "Priority 2 wave 1" in test.stdout
    names = vcenter.vms(site_b)
    assert all(vcenter.network_names(names[vm + "-test"][0]) == ["dr-test"] for vm in VMS)
    cleanup = run("cleanup_test_failover.yml")
    assert cleanup.returncode == 0, cleanup.stdout[-3000:]
    assert not [n for n in vcenter.vms(site_b) if n in ("bulk-0011-test", "bulk-0012-test")]

    refused = run("unplanned_failover.yml")
    assert refused.returncode != 0 and "-e vmdr_confirm_unplanned=true" in refused.stdout

    planned = run("planned_failover.yml")
    assert planned.returncode == 0, planned.stdout[-3000:]
    for vm, address in (("bulk-0011", "10.210.0.20"), ("bulk-0012", "10.220.0.21")):
        assert vcenter.one(site_a, vm)["runtime.powerState"] == "poweredOff"
        recovered = vcenter.one(site_b, vm)
        assert recovered["runtime.powerState"] == "poweredOn" and recovered["guest.ipAddress"] == address

    back = run("failback.yml")
    assert back.returncode == 0, back.stdout[-3000:]
    for vm, address, network in (("bulk-0011", "10.110.0.20", "prod-web"), ("bulk-0012", "10.120.0.21", "prod-db")):
        home = vcenter.one(site_a, vm)
        assert home["runtime.powerState"] == "poweredOn" and home["guest.ipAddress"] == address
        assert vcenter.network_names(home) == [network]
        assert vcenter.record(home)["role"] == "source"
        assert vcenter.one(site_b, vm)["runtime.powerState"] == "poweredOff"
    rows = lab.module("replica_info", {"vms": VMS})["replications"]
    assert [r["health"] for r in rows] == ["ok", "ok"]
    # reverse records the old primary's datastore as placement; the plan's placement is written back once
    assert run("enable_replication.yml").returncode == 0
    quiet = run("enable_replication.yml")
    assert quiet.returncode == 0 and recap_changed(quiet.stdout) == 0, quiet.stdout[-2000:]


def test_runbooks_refuse_a_bad_plan_or_request_before_any_change(lab, site_a, site_b, tmp_path):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan["vms"] = [{"name": "bulk-0013", "priority": 1}]
    plan["hooks"] = {"before_group": str(tmp_path / "drain.yml")}
    missing_hook = tmp_path / "missing-hook.yml"
    missing_hook.write_text(yaml.safe_dump(plan))
    plan.pop("hooks")
    plan["vms"] = []
    no_vms = tmp_path / "no-vms.yml"
    no_vms.write_text(yaml.safe_dump(plan))
    before = snapshot_of(site_a), snapshot_of(site_b)

    drill = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % missing_hook)
    assert drill.returncode != 0
    assert "[hooks] hooks.before_group: task file '%s' does not exist on the controller" % (tmp_path / "drain.yml") \
        in " ".join(drill.stdout.split()), drill.stdout[-3000:]
    assert "Ensure replication of every VM" not in drill.stdout  # refused before replica_enable, not mid-run

    cleanup = lab.playbook("cleanup_test_failover.yml", "-e", "vmdr_plan_file=%s" % no_vms)
    assert cleanup.returncode != 0
    assert "vms lists no VM: a plan without VMs would do nothing" in " ".join(cleanup.stdout.split()), \
        cleanup.stdout[-3000:]

    # the playbook's variable, not the role's internal one, is what the operator sets
    unplanned = lab.playbook("unplanned_failover.yml", "-e", "vmdr_plan_file=%s" % lab.plan_file)
    assert unplanned.returncode != 0
    assert "confirm it with -e vmdr_confirm_unplanned=true" in " ".join(unplanned.stdout.split()), \
        unplanned.stdout[-3000:]
    assert (snapshot_of(site_a), snapshot_of(site_b)) == before
