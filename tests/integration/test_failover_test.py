"""Test failover and cleanup through the real failover module: isolated network, re-IP, readiness."""
from pyVmomi import vim

from tests.integration import vcenter

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
TEST_REIP = {"rules": [{"source": "10.120.0.0/16", "target": "10.199.0.0/16", "gateway": "10.199.0.1"}]}


def test_test_failover_is_isolated_reiped_idempotent_and_cleaned_up(lab, site_a, site_b):
    enabled = lab.module("replica_enable", {"vms": ["bulk-0002"], "placement": PLACEMENT,
                                            "network_map": {"live": LIVE}})
    assert not enabled["failed"], enabled
    args = {"mode": "test", "vms": ["bulk-0002"], "network_map": {"test": "dr-test"}, "reip": TEST_REIP,
            "run_id": "it-1", "ready_timeout": 60}

    checked = lab.module("failover", args, check=True)
    assert checked["changed"] is True and not checked["failed"], checked
    assert "bulk-0002-test" not in vcenter.vms(site_b)

    first = lab.module("failover", args, diff=True)
    assert first["changed"] is True and not first["failed"], first
    [vm] = first["vms"]
    assert vm["test_vm"] == "bulk-0002-test"
    assert vm["reip"][0]["target_ip"] == "10.199.0.11"
    assert vm["time_to_ready_seconds"] > 0
    assert first["diff"]["after"]["bulk-0002"]["test_vm"]["name"] == "bulk-0002-test"

    test_vm = vcenter.one(site_b, "bulk-0002-test")
    assert test_vm["runtime.powerState"] == "poweredOn"
    assert vcenter.network_names(test_vm) == ["dr-test"]
    assert test_vm["guest.ipAddress"] == "10.199.0.11"
    assert vcenter.record(test_vm, "vmdr.test")["run_id"] == "it-1"
    # a test failover touches neither the replica nor the source
    assert vcenter.one(site_b, "bulk-0002")["runtime.powerState"] == "poweredOff"
    assert vcenter.network_names(vcenter.one(site_b, "bulk-0002")) == ["dr-db"]
    assert vcenter.one(site_a, "bulk-0002")["runtime.powerState"] == "poweredOn"

    again = lab.module("failover", args)
    assert again["changed"] is False and not again["failed"], again

    cleanup_args = {"mode": "cleanup_test", "vms": ["bulk-0002"]}
    assert lab.module("failover", cleanup_args, check=True)["changed"] is True
    assert "bulk-0002-test" in vcenter.vms(site_b)
    cleaned = lab.module("failover", cleanup_args)
    assert cleaned["changed"] is True and cleaned["vms"][0]["removed"] == ["bulk-0002-test"]
    assert "bulk-0002-test" not in vcenter.vms(site_b)
    assert lab.module("failover", cleanup_args)["changed"] is False


def test_a_bridged_test_network_is_refused_before_anything_is_created(lab, site_b):
    lab.module("replica_enable", {"vms": ["bulk-0004"], "placement": PLACEMENT, "network_map": {"live": LIVE}})
    result = lab.module("failover", {"mode": "test", "vms": ["bulk-0004"], "network_map": {"test": "dr-test-bridged"}})
    assert result["failed"] and "dr-test-bridged" in result["msg"] and "physical" in result["msg"], result
    live = lab.module("failover", {"mode": "test", "vms": ["bulk-0004"], "network_map": {"test": "dr-web"}})
    assert live["failed"] and "dr-web" in live["msg"], live
    assert "bulk-0004-test" not in vcenter.vms(site_b)


def test_cleanup_removes_only_what_a_test_failover_created(lab, site_b):
    lab.module("replica_enable", {"vms": ["bulk-0004"], "placement": PLACEMENT, "network_map": {"live": LIVE}})
    datacenter = [e for e in site_b.content.rootFolder.childEntity if isinstance(e, vim.Datacenter)][0]
    pool = datacenter.hostFolder.childEntity[0].resourcePool
    decoy = vim.vm.ConfigSpec(name="bulk-0004-test", numCPUs=1, memoryMB=64, guestId="otherGuest",
                              files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"))
    assert vcenter.wait_task(datacenter.vmFolder.CreateVM_Task(config=decoy, pool=pool)) == "success"
    refused = lab.module("failover", {"mode": "test", "vms": ["bulk-0004"], "network_map": {"test": "dr-test"},
                                      "reip": TEST_REIP})
    assert refused["failed"] and "not made by a test failover" in refused["msg"], refused
    cleaned = lab.module("failover", {"mode": "cleanup_test", "vms": ["bulk-0004"]})
    assert cleaned["changed"] is False
    assert "bulk-0004-test" in vcenter.vms(site_b)
