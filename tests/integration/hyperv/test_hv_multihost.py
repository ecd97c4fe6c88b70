"""Sites of several Hyper-V hosts: VMs spread over two primary hosts replicate to two replica hosts, every module
finds each VM on the host that holds it, and a step costs one WinRM command per host it touches."""
import pytest

from tests.integration.hyperv.hv_session import A, A2, B, B2, C, HvLab

LIVE = {"prod-web": "dr-web"}
TEST_REIP = {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16"}]}


@pytest.fixture(scope="module")
def hv4(tmp_path_factory):
    lab = HvLab.start(str(tmp_path_factory.mktemp("hyperv-scale")), topology="scale")
    yield lab
    lab.stop()


def vms_on(hv, host, prefix, count, base):
    names = ["%s-%02d" % (prefix, i) for i in range(count)]
    hv.lab("/vms", body={"host": host, "vms": [{"name": n, "switch": "prod-web", "ip": "10.10.1.%d" % (base + i),
                                                "prefix": 24, "gateway": "10.10.1.1", "state": "Running"}
                                               for i, n in enumerate(names)]})
    return names


def commands(hv):
    return dict((name, host["commands"]) for name, host in hv.stats()["hosts"].items() if host["commands"])


def test_vms_spread_over_two_primary_hosts(hv4):
    hv = hv4
    hv.lab("/reset")
    one, two = vms_on(hv, A, "mh-a", 6, 100), vms_on(hv, A2, "mh-b", 6, 150)
    names = one + two
    sites = {"source": {"hosts": hv.site_hosts([A2])}, "target": {"hosts": hv.site_hosts([B2])}}

    def run(module, args, check=False, diff=False):
        return hv.module(module, dict(args, **sites), check=check, diff=diff)

    hv.lab("/stats/reset")
    enabled = run("replica_enable", {"vms": names, "policy": {"rpo": 5, "recovery_points": 2},
                                     "network_map": {"live": LIVE, "test": "dr-test"}})
    assert enabled["changed"] and not enabled["failed"], enabled.get("msg")
    # source hosts: find VMs, read NICs, enable; target hosts: find VMs (with the replica server facts), networks
    assert commands(hv) == {A: 3, A2: 3, B: 2, B2: 2}, commands(hv)
    assert set(one) <= set(hv.vms(B)) and not set(two) & set(hv.vms(B))
    assert set(two) <= set(hv.vms(B2)) and not set(one) & set(hv.vms(B2))
    assert hv.replication(B2, two[0])["mode"] == "Replica" and hv.nic(B2, two[0])["switch"] == "dr-web"
    assert run("replica_enable", {"vms": names, "policy": {"rpo": 5, "recovery_points": 2},
                                  "network_map": {"live": LIVE, "test": "dr-test"}})["changed"] is False
    hv.advance(3700)

    info = run("replica_info", {"vms": names})
    assert [r["name"] for r in info["replications"]] == names, info
    assert all(r["rpo_compliant"] for r in info["replications"]), info
    everything = run("replica_info", {})
    assert set(names) <= set(r["name"] for r in everything["replications"])
    synced = run("replica_sync", {"vms": names})
    assert not synced["failed"] and all(v["state"]["rpo_compliant"] for v in synced["vms"]), synced.get("msg")
    staged = run("network_map", {"mode": "test", "vms": names, "network_map": {"test": "dr-test"}})
    assert staged["changed"] is False and not staged["failed"], staged.get("msg")  # replica_enable staged it
    reip = run("reip", {"vms": [one[1], two[1]], "rules": [{"source": "10.10.0.0/16", "target": "10.20.0.0/16"}]})
    assert reip["changed"] and not reip["failed"], reip.get("msg")
    assert hv.nic(B, one[1])["failover_ip"] == "10.20.1.101" and hv.nic(B2, two[1])["failover_ip"] == "10.20.1.151"

    hv.lab("/stats/reset")
    test = run("failover", {"mode": "test", "vms": names, "reip": TEST_REIP})
    assert test["changed"] and not test["failed"], test.get("msg")
    per_host = commands(hv)
    assert set(per_host) == {A, A2, B, B2} and max(per_host.values()) <= 4, per_host
    assert hv.nic(B2, two[3] + " - Test")["switch"] == "dr-test"
    assert "10.99.1.153" in hv.nic(B2, two[3] + " - Test")["ips"]
    for vm in test["vms"]:
        assert vm["recovery_point"]["time"].endswith("Z") and vm["achieved_rpo_seconds"] >= 0, vm
    cleanup = run("failover", {"mode": "cleanup_test", "vms": names})
    assert cleanup["changed"] and not cleanup["failed"], cleanup.get("msg")
    assert not [n for n in hv.vms(B) + hv.vms(B2) if n.endswith(" - Test")]

    planned = run("failover", {"mode": "planned", "vms": [one[0], two[0]], "network_map": {"live": LIVE}})
    assert planned["failed"] and "configure_replica_server" in planned["msg"], planned
    assert run("replica_enable", {"vms": names, "policy": {"rpo": 5, "recovery_points": 2},
                                  "configure_replica_server": ["source"]})["changed"] is True
    planned = run("failover", {"mode": "planned", "vms": [one[0], two[0]], "network_map": {"live": LIVE}})
    assert planned["changed"] and not planned["failed"], planned.get("msg")
    assert hv.replication(B, one[0])["mode"] == "Primary" and hv.replication(A, one[0])["mode"] == "Replica"
    assert hv.replication(B2, two[0])["mode"] == "Primary" and hv.replication(A2, two[0])["mode"] == "Replica"

    missing = run("failover", {"mode": "test", "vms": ["nowhere-01"]})
    assert missing["failed"] and "any host of the target site" in missing["msg"], missing
    assert C not in commands(hv)


def test_recovery_site_of_two_hosts_is_read_once_per_host(hv4):
    hv = hv4
    hv.lab("/reset")
    one, two = vms_on(hv, A, "rs-a", 2, 100), vms_on(hv, A2, "rs-b", 2, 150)
    sites = {"source": {"hosts": hv.site_hosts([A2])}, "target": {"hosts": hv.site_hosts([B2])}}
    enabled = hv.module("replica_enable", dict({"vms": one + two, "policy": {"rpo": 5},
                                                "network_map": {"live": LIVE}}, **sites))
    assert not enabled["failed"], enabled.get("msg")
    hv.lab("/hardware", body={"host": B2, "logical_processors": 8, "memory_mb": 32768})
    hv.lab("/vms", body={"host": B2, "vms": [{"name": "dr-app", "switch": "dr-web", "ip": "10.20.1.150",
                                              "state": "Running", "memory_mb": 2048, "cpus": 4}]})
    hv.lab("/stats/reset")
    info = hv.module("replica_info", dict({"vms": one + two, "recovery_site": True}, **sites))
    assert not info["failed"], info.get("msg")
    cap = info["recovery_site"]["capacity"]
    assert (cap["hosts"], cap["cores"], cap["largest_host_cores"], cap["running_vcpus"]) == (2, 24, 16, 4)
    assert (cap["memory_mb"], cap["memory_free_mb"]) == (65536 + 32768, (65536 - 4096) + (32768 - 4096 - 2048))
    assert [d["name"] for d in cap["datastores"]] == ["%s D:\\Hyper-V Replica" % B, "%s D:\\Hyper-V Replica" % B2]
    assert info["recovery_site"]["addresses"] == [{"vm": "dr-app", "ip": "10.20.1.150"}]
    assert info["recovery_site"]["needs"]["vms"] == sorted(one + two)
    steps = dict((h, s["steps"]) for h, s in hv.stats()["hosts"].items() if s["commands"])
    assert steps[B]["read recovery site"] == steps[B2]["read recovery site"] == 1, steps
    assert steps[A]["read needs"] == steps[A2]["read needs"] == 1, steps
    hv.lab("/hardware", body={"host": B2, "reset": True})
