"""Every step costs one WinRM command per host, however many VMs the batch holds (read from /lab/stats)."""
from tests.integration.hyperv.hv_session import A, B

LIVE = {"prod-web": "dr-web"}


def commands(hv):
    return dict((name, host["commands"]) for name, host in hv.stats()["hosts"].items())


def steps(hv):
    """{host: {step: commands}} of the hosts that got commands."""
    return dict((name, host.get("steps") or {}) for name, host in hv.stats()["hosts"].items() if host["commands"])


def one_per_step(per_host):
    return all(count == 1 for host in per_host.values() for count in host.values())


def test_fifty_vms_cost_one_command_per_host_and_step(fresh):
    hv = fresh
    names = ["bulk-%03d" % i for i in range(50)]
    vms = [{"name": n, "switch": "prod-web", "ip": "10.10.1.%d" % (100 + i), "prefix": 24, "gateway": "10.10.1.1",
            "state": "Running"} for i, n in enumerate(names)]
    hv.lab("/vms", body={"host": A, "vms": vms})
    hv.lab("/stats/reset")
    enabled = hv.module("replica_enable", {"vms": names, "policy": {"rpo": 5}, "configure_replica_server": ["source"]})
    assert enabled["changed"] and not enabled["failed"], enabled["msg"] if enabled["failed"] else ""
    assert len([v for v in enabled["vms"] if v["changed"]]) == 50
    # source: configuring its replica server (for the planned failover below), the enable step; target: the check
    assert commands(hv) == {A: 2, B: 1, "hv-c1.lab.local": 0}
    assert hv.stats()["hosts"][A]["cmdlets"]["Enable-VMReplication"] == 50

    hv.advance(3700)
    hv.lab("/stats/reset")
    info = hv.module("replica_info", {"vms": names})
    assert len(info["replications"]) == 50 and all(r["rpo_compliant"] for r in info["replications"]), info
    assert commands(hv) == {A: 1, B: 1, "hv-c1.lab.local": 0}

    def cost(vms, args):
        hv.lab("/stats/reset")
        result = hv.module("failover", dict(args, vms=vms))
        assert result["changed"] and not result["failed"], result.get("msg")
        per_step = steps(hv)
        assert one_per_step(per_step), per_step
        return per_step

    test_args = {"mode": "test", "network_map": {"test": "dr-test"},
                 "reip": {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16"}]}}
    one = cost(names[:1], test_args)
    many = cost(names[1:], test_args)
    assert one == many, (one, many)
    # source: its NICs; recovery host: validation read, switches, the test failover, one readiness poll
    assert many == {A: {"read source VMs": 1},
                    B: {"read VMs": 1, "read host": 1, "start test failover": 1, "wait until ready": 1}}, many
    cleanup_one = cost(names[:1], {"mode": "cleanup_test"})
    cleanup_many = cost(names[1:], {"mode": "cleanup_test"})
    assert cleanup_one == cleanup_many == {B: {"find VMs": 1, "clean up test failover": 1}}

    planned = cost(names, {"mode": "planned", "network_map": {"live": LIVE}})
    # one PowerShell step per engine step: stop source (STOP_PRIMARY), final recovery point (PREPARE_PRIMARY)
    assert planned == {A: {"read VMs": 1, "prepare reverse replication": 1, "stop source": 1,
                           "final recovery point": 1, "confirm source off": 1},
                       B: {"read VMs": 1, "read host": 1, "promote replica": 1, "start replica": 1,
                           "wait until ready": 1}}, planned
