"""replica_info recovery_site on Hyper-V: one WinRM command per recovery host (and per source host holding the
VMs) reports processors, memory, free memory, the replica volume's free space, running vCPUs and the IPv4
addresses of running VMs at the recovery site."""
from tests.integration.hyperv.hv_session import A, B

GB_WEB, GB_DB = 40, 260
SQUATTER = {"name": "dr-squatter", "switch": "dr-db", "ip": "10.20.2.41", "prefix": 24, "gateway": "10.20.2.1",
            "state": "Running"}


def test_recovery_site_reads_the_recovery_host_once(fresh):
    hv = fresh
    enabled = hv.module("replica_enable", {"vms": ["hv-web-01", "hv-db-01"], "policy": {"rpo": 5},
                                           "network_map": {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}}})
    assert not enabled["failed"], enabled.get("msg")
    hv.advance(120)
    hv.lab("/vms", body={"host": B, "vms": [SQUATTER]})
    hv.lab("/stats/reset")

    info = hv.module("replica_info", {"vms": ["hv-web-01", "hv-db-01", "ghost"], "recovery_site": True})
    assert not info["failed"], info.get("msg")
    assert sorted(r["name"] for r in info["replications"]) == ["hv-db-01", "hv-web-01"]
    site = info["recovery_site"]
    assert site["needs"] == {"vms": ["hv-db-01", "hv-web-01"], "vcpus": 6, "largest_vcpus": 4, "memory_mb": 12288,
                             "storage_gb": float(GB_WEB + GB_DB)}
    cap = site["capacity"]
    # hv-b1: 16 logical processors, 64 GB less its 4 GB reserve and the squatter's 4 GB; D: holds the replicas
    assert (cap["hosts"], cap["cores"], cap["largest_host_cores"], cap["running_vcpus"]) == (1, 16, 16, 2)
    assert (cap["memory_mb"], cap["memory_free_mb"]) == (65536, 65536 - 4096 - 4096)
    assert cap["datastores"] == [{"name": "%s D:\\Hyper-V Replica" % B,
                                  "free_gb": float(2048 - 100 - GB_WEB - GB_DB - 40)}]
    assert site["addresses"] == [{"vm": "dr-squatter", "ip": "10.20.2.41"}]
    steps = dict((h, s["steps"]) for h, s in hv.stats()["hosts"].items() if s["commands"])
    assert steps[B].get("read recovery site") == 1 and steps[A].get("read needs") == 1, steps
    assert info["changed"] is False
    # the VM not found at the source is left out of the needs, with a warning that names it
    assert [w for w in info.get("warnings") or [] if "VM 'ghost'" in w and "capacity check leaves it out" in w], info
