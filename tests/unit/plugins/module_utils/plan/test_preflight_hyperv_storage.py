"""Capacity of a Hyper-V recovery site: its replica volumes are the datastores; storage on a share (free space
unknown) is not checked, a full volume is."""
from ansible_collections.vmdr.replication.plugins.filter.preflight import preflight_capacity_problems

NEEDS = {"vms": ["hv-db-01"], "vcpus": 4, "largest_vcpus": 4, "memory_mb": 8192, "storage_gb": 260.0}
CAPACITY = {"hosts": 2, "cores": 32, "largest_host_cores": 16, "running_vcpus": 2, "memory_mb": 131072,
            "memory_free_mb": 118784}


def site(*volumes):
    return {"site": "hv-site-b", "needs": NEEDS, "capacity": dict(CAPACITY, datastores=list(volumes)),
            "addresses": []}


def test_the_volume_with_most_room_is_compared():
    small = {"name": "hv-b1.lab.local D:\\Hyper-V Replica", "free_gb": 100.0}
    large = {"name": "hv-b2.lab.local E:\\Replica", "free_gb": 900.0}
    assert preflight_capacity_problems(site(small, large)) == []
    assert [p["message"] for p in preflight_capacity_problems(site(small))] == [
        "the VMs' disks need 260.0 GB, datastore hv-b1.lab.local D:\\Hyper-V Replica has 100.0 GB free (0% reserve) "
        "at hv-site-b"]


def test_storage_on_a_share_is_not_checked_but_a_missing_store_is_reported():
    share = {"name": "hv-b1.lab.local \\\\nas01\\replica", "free_gb": None}
    assert preflight_capacity_problems(site(share)) == []
    full = {"name": "hv-b2.lab.local D:\\Hyper-V Replica", "free_gb": 10.0}
    assert len(preflight_capacity_problems(site(share, full))) == 1
    assert [p["message"] for p in preflight_capacity_problems(site())] == [
        "datastore (any) was not found at hv-site-b"]
