"""The preflight filters that turn recovery-site facts into problems: re-IP targets in use, capacity."""
from ansible_collections.vmdr.replication.plugins.filter.preflight import (
    preflight_capacity_problems, preflight_ip_problems)
from ansible_collections.vmdr.replication.plugins.filter.runbook_results import batch_vm_results

SITE = {"site": "site-b",
        "needs": {"vms": ["db", "web"], "vcpus": 4, "largest_vcpus": 2, "memory_mb": 2048, "storage_gb": 2.0},
        "capacity": {"hosts": 3, "cores": 6, "largest_host_cores": 2, "running_vcpus": 2, "memory_mb": 12285,
                     "memory_free_mb": 8073, "datastores": [{"name": "ds1", "free_gb": 10.0},
                                                            {"name": "ds2", "free_gb": 1.0}]},
        "addresses": [{"vm": "dns", "ip": "10.20.0.53"}, {"vm": "squatter", "ip": "10.20.1.11"}]}


def test_a_site_with_room_has_no_capacity_problem():
    assert preflight_capacity_problems(SITE) == []
    assert preflight_capacity_problems(SITE, {"vcpus_per_core": 1}, {"datastore": "ds1"}) == []


def test_every_short_resource_is_reported():
    messages = [p["message"] for p in preflight_capacity_problems(SITE, {"reserve_percent": 90},
                                                                  {"datastore": "ds2"})]
    assert messages == [
        "the VMs need 4 vCPUs, room for 2.2 (6 cores x 4 vCPUs per core, 2 vCPUs running, 90% reserve) at site-b",
        "the VMs need 2048 MB of memory, 807 MB free (90% reserve) at site-b",
        "the VMs' disks need 2.0 GB, datastore ds2 has 0.1 GB free (90% reserve) at site-b",
    ]
    big = dict(SITE, needs=dict(SITE["needs"], largest_vcpus=8))
    assert [p["message"] for p in preflight_capacity_problems(big, {}, {"datastore": "nope"})] == [
        "a VM needs 8 vCPUs, the largest host has 2 cores at site-b", "datastore nope was not found at site-b"]
    assert preflight_capacity_problems(dict(SITE, needs=None)) == []


def test_reip_targets_in_use_are_reported_per_vm_and_nic():
    result = {"vms": [{"name": "web", "nics": [{"index": 0, "target_ip": "10.20.1.11"},
                                               {"index": 1, "target_ip": "10.20.2.11"}]},
                      {"name": "db", "nics": [{"index": 0, "target_ip": "10.20.2.21"}]}]}
    assert preflight_ip_problems(result, SITE) == [
        {"check": "ip_in_use", "vm": "web", "message": "re-IP target 10.20.1.11 of NIC 0 is already used by squatter "
                                                       "at site-b; change the rule or add an override"}]
    assert preflight_ip_problems({"failed": True, "msg": "x"}, SITE) == []


def test_batch_results_name_every_vm_of_a_failed_call():
    assert batch_vm_results({"vms": [{"name": "a", "failed": False}]}) == [{"name": "a", "failed": False}]
    assert batch_vm_results({"failed": True, "msg": "no session", "item": {"vms": ["a", "b"]}}) == [
        {"name": "a,b", "failed": True, "error": {"message": "no session"}}]
    assert batch_vm_results({"skipped": True}) == []
