"""Planned failover, reverse, failback and unplanned failover through the real module against the lab."""
import threading

from pyVmomi import vim

from tests.integration import vcenter

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
BACK = dict((v, k) for k, v in LIVE.items())
TO_B = {"rules": [{"source": "10.110.0.0/16", "target": "10.210.0.0/16", "gateway": "10.210.0.1"},
                  {"source": "10.120.0.0/16", "target": "10.220.0.0/16", "gateway": "10.220.0.1"}]}
TO_A = {"rules": [{"source": "10.210.0.0/16", "target": "10.110.0.0/16", "gateway": "10.110.0.1"},
                  {"source": "10.220.0.0/16", "target": "10.120.0.0/16", "gateway": "10.120.0.1"}]}


class BothRunningWatch(object):
    """Polls both sites while a failover runs and remembers any moment where both copies were on."""

    def __init__(self, lab, name):
        self.lab, self.name, self.seen_both, self.samples = lab, name, False, 0
        self.stop = threading.Event()

    def run(self):
        a, b = self.lab.connect("site-a"), self.lab.connect("site-b")
        while not self.stop.is_set():
            on = [vcenter.one(si, self.name, paths=("name", "runtime.powerState", "config.extraConfig"))
                  ["runtime.powerState"] == "poweredOn" for si in (a, b)]
            self.samples += 1
            self.seen_both = self.seen_both or all(on)

    def __enter__(self):
        self.thread = threading.Thread(target=self.run)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def test_planned_failover_reverse_and_failback_round_trip(lab, site_a, site_b):
    name = "bulk-0005"
    assert not lab.module("replica_enable", {"vms": [name], "placement": PLACEMENT,
                                             "network_map": {"live": LIVE}})["failed"]
    planned = {"mode": "planned", "vms": [name], "network_map": {"live": LIVE}, "reip": TO_B, "ready_timeout": 60,
               "shutdown_timeout": 60}
    assert lab.module("failover", planned, check=True)["changed"] is True
    assert vcenter.one(site_a, name)["runtime.powerState"] == "poweredOn"

    with BothRunningWatch(lab, name) as watch:
        result = lab.module("failover", planned, diff=True)
    assert result["changed"] and not result["failed"], result
    assert watch.samples > 3 and not watch.seen_both
    [vm] = result["vms"]
    assert vm["achieved_rpo_seconds"] == 0
    source, replica = vcenter.one(site_a, name), vcenter.one(site_b, name)
    assert source["runtime.powerState"] == "poweredOff"
    assert vcenter.record(source)["role"] == "failed_over"
    assert replica["runtime.powerState"] == "poweredOn"
    assert vcenter.record(replica)["role"] == "promoted"
    assert vcenter.network_names(replica) == ["dr-web"]
    assert replica["guest.ipAddress"] == "10.210.0.14"
    assert lab.module("failover", planned)["changed"] is False

    reverse = lab.module("failover", {"mode": "reverse", "vms": [name]})
    assert reverse["changed"] and not reverse["failed"], reverse
    assert vcenter.record(vcenter.one(site_a, name))["role"] == "replica"
    assert vcenter.record(vcenter.one(site_b, name))["role"] == "source"
    assert lab.module("failover", {"mode": "reverse", "vms": [name]})["changed"] is False

    back = {"mode": "planned", "vms": [name], "network_map": {"live": BACK}, "reip": TO_A, "ready_timeout": 60,
            "shutdown_timeout": 60}
    with BothRunningWatch(lab, name) as watch:
        failback = lab.module("failover", back, source="site-b", target="site-a")
    assert failback["changed"] and not failback["failed"], failback
    assert not watch.seen_both
    assert not lab.module("failover", {"mode": "reverse", "vms": [name]}, source="site-b",
                          target="site-a")["failed"]

    home = vcenter.one(site_a, name)
    assert home["runtime.powerState"] == "poweredOn" and home["guest.ipAddress"] == "10.110.0.14"
    assert vcenter.network_names(home) == ["prod-web"]
    assert vcenter.record(home)["role"] == "source"
    assert vcenter.one(site_b, name)["runtime.powerState"] == "poweredOff"
    [row] = lab.module("replica_info", {"vms": [name]})["replications"]
    assert row["health"] == "ok" and row["rpo_compliant"] and row["replica"]["role"] == "replica"
    assert row["replica"]["name"] == name and row["source"]["power_state"] == "poweredOn"


def test_unplanned_failover_with_a_chosen_recovery_point(lab, site_a, site_b):
    name = "bulk-0006"
    assert not lab.module("replica_enable", {"vms": [name], "placement": PLACEMENT, "network_map": {"live": LIVE},
                                             "policy": {"rpo": 15, "recovery_points": 3}})["failed"]
    for _round in range(2):
        assert lab.module("replica_sync", {"vms": [name], "force": True})["changed"]
    points = lab.module("replica_info", {"vms": [name]})["replications"][0]["recovery_points"]
    assert len(points) == 3
    chosen = points[1]
    args = {"mode": "unplanned", "vms": [{"name": name, "recovery_point": chosen["id"]}],
            "network_map": {"live": LIVE}, "ready_timeout": 60}

    refused = lab.module("failover", args)
    assert refused["failed"] and "still running" in refused["msg"] and name in refused["msg"], refused
    assert vcenter.one(site_b, name)["runtime.powerState"] == "poweredOff"

    source = vcenter.one(site_a, name)
    assert vcenter.wait_task(source["obj"].PowerOffVM_Task()) == "success"
    result = lab.module("failover", args)
    assert result["changed"] and not result["failed"], result
    [vm] = result["vms"]
    assert vm["recovery_point"]["id"] == chosen["id"]
    assert vm["achieved_rpo_seconds"] >= 0
    replica = vcenter.one(site_b, name, paths=("name", "runtime.powerState", "config.extraConfig",
                                               "config.hardware.device", "network", "guest.ipAddress", "guest.net"))
    disks = [d.backing.fileName for d in replica["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualDisk)]
    assert any("/%s/" % chosen["id"] in f for f in disks), disks
    assert replica["runtime.powerState"] == "poweredOn"
    assert vcenter.record(replica)["failover"]["generation"] == chosen["id"]
    # without re-IP the guest keeps the address its disk had, on the live recovery network
    assert replica["guest.ipAddress"] == "10.120.0.15"
    assert vcenter.network_names(replica) == ["dr-db"]
    assert vcenter.record(vcenter.one(site_a, name))["role"] == "failed_over"
    assert lab.module("failover", args)["changed"] is False


def test_network_map_and_reip_stage_on_replicas(lab, site_b):
    name = "bulk-0007"
    lab.module("replica_enable", {"vms": [name], "placement": PLACEMENT, "network_map": {"live": LIVE}})
    staged = lab.module("network_map", {"vms": [name], "mode": "test", "network_map": {"test": "dr-test"}})
    assert staged["changed"] and staged["vms"][0]["nics"][0]["target_network"] == "dr-test", staged
    assert lab.module("network_map", {"vms": [name], "mode": "test", "network_map": {"test": "dr-test"}})[
        "changed"] is False
    bridged = lab.module("network_map", {"vms": [name], "mode": "test", "network_map": {"test": "dr-test-bridged"}})
    assert bridged["failed"] and "physical" in bridged["msg"]
    live = lab.module("network_map", {"vms": [name], "network_map": {"live": LIVE}})
    assert live["changed"] is False and live["vms"][0]["nics"][0]["target_network"] == "dr-web"
    unmapped = lab.module("network_map", {"vms": [name], "network_map": {"live": {"prod-db": "dr-db"}}})
    assert unmapped["failed"] and "prod-web" in unmapped["msg"] and name in unmapped["msg"]

    rules = [{"source": "10.110.0.0/16", "target": "10.210.0.0/16", "gateway": "10.210.0.1"}]
    planned = lab.module("reip", {"vms": [name], "rules": rules}, check=True)
    assert planned["changed"] and planned["vms"][0]["nics"][0]["target_ip"] == "10.210.0.16"
    first = lab.module("reip", {"vms": [name], "rules": rules}, diff=True)
    assert first["changed"] and not first["failed"], first
    assert lab.module("reip", {"vms": [name], "rules": rules})["changed"] is False
    other = lab.module("reip", {"vms": [name], "rules": rules,
                                "overrides": {name: [{"nic": 0, "ip": "10.210.0.200/16"}]}})
    assert other["changed"] and not other["failed"] and other["vms"][0]["nics"][0]["target_ip"] == "10.210.0.200"


def test_a_vcenter_fault_names_vm_site_and_step_and_a_rerun_completes(lab, site_b):
    name = "bulk-0009"
    assert not lab.module("replica_enable", {"vms": [name], "placement": PLACEMENT,
                                             "network_map": {"live": LIVE}})["failed"]
    args = {"mode": "unplanned", "vms": [name], "network_map": {"live": LIVE}, "allow_source_running": True,
            "ready_timeout": 60}
    lab.lab_cli("disable", "site-b", name, "PowerOnVM_Task")
    try:
        failed = lab.module("failover", args)
    finally:
        lab.lab_cli("enable", "site-b", name, "PowerOnVM_Task")
    assert failed["failed"] is True
    [vm] = failed["vms"]
    assert vm["error"]["vm"] == name and vm["error"]["site"] == "site-b" and vm["error"]["step"] == "start replica"
    assert vm["error"]["message"].startswith("power on recovered VM: "), vm["error"]
    assert vm["error"]["fault"] == "MethodDisabled" and vm["error"]["hint"]
    assert vcenter.one(site_b, name)["runtime.powerState"] == "poweredOff"

    rerun = lab.module("failover", args)
    assert rerun["changed"] and not rerun["failed"], rerun
    assert vcenter.one(site_b, name)["runtime.powerState"] == "poweredOn"
