"""The provider-independent failover engine with provider=hyperv, through the real failover module: one refusal for
every input problem of the call (nothing changes for any VM), the compensation of a planned failover that fails before
a replica starts, and readiness that reads the promised addresses from the guest."""
import pytest

from tests.integration.hyperv.hv_session import A, B

LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
REIP = {"rules": [{"source": "10.10.0.0/16", "target": "10.20.0.0/16"}]}
VMS = ("hv-web-01", "hv-db-01")
KVP_OFF = "Disable-VMIntegrationService -Name 'Key-Value Pair Exchange' -VMName '%s'"


def protect(hv, hours=1):
    result = hv.module("replica_enable", {"vms": list(VMS), "policy": {"rpo": 5, "recovery_points": 4},
                                          "network_map": {"live": LIVE, "test": "dr-test"},
                                          "configure_replica_server": ["source"]})
    assert not result["failed"], result
    hv.advance(120 + hours * 3600)


def sites_state(hv):
    """Replication state and power of both VMs at both sites, and the VMs there are."""
    out = {"vms": (sorted(hv.vms(A)), sorted(hv.vms(B)))}
    for vm in VMS:
        out[vm] = [(hv.replication(host, vm)["state"], hv.nic(host, vm)["state"]) for host in (A, B)]
    return out


@pytest.mark.parametrize("mode, bad, text", [
    ("unplanned", "no-such-point", "no recovery point matches 'no-such-point'"),
    ("unplanned", "2026-02-30T10:00:00Z", "recovery_point '2026-02-30T10:00:00Z' is not a valid time"),
    ("test", "2020-01-01T00:00:00+01:00", "no recovery point matches '2019-12-31T23:00:00Z'"),
])
def test_one_bad_recovery_point_refuses_the_whole_call(fresh, mode, bad, text):
    hv = fresh
    protect(hv)
    before = sites_state(hv)
    hv.lab("/stats/reset")
    args = {"mode": mode, "vms": ["hv-web-01", {"name": "hv-db-01", "recovery_point": bad}],
            "allow_source_running": True}
    refused = hv.module("failover", args)
    assert refused["failed"] and refused["changed"] is False, refused
    assert text in refused["msg"] and refused["error"]["vm"] == "hv-db-01", refused
    assert "vms" not in refused  # refused as a whole: no VM was acted on
    assert sites_state(hv) == before
    cmdlets = dict((h, s["cmdlets"]) for h, s in hv.stats()["hosts"].items())
    assert not [h for h, c in cmdlets.items() if "Start-VMFailover" in c or "Stop-VM" in c], cmdlets


def test_every_input_problem_of_the_call_is_listed_at_once(fresh):
    hv = fresh
    protect(hv, hours=0)
    before = sites_state(hv)
    args = {"mode": "planned", "vms": [{"name": "hv-web-01", "recovery_point": "2026-13-01T00:00"}, "ghost",
                                       "hv-db-01"],
            "network_map": {"live": {"prod-web": "dr-web"}}, "reip": REIP}
    refused = hv.module("failover", args)
    assert refused["failed"] and "3 problems, nothing was changed: " in refused["msg"], refused
    for text in ("VM 'hv-web-01', step 'choose recovery point': recovery_point '2026-13-01T00:00' is not a valid time",
                 "VM 'ghost', site '%s', step 'find VM': no VM 'ghost' on this host" % B,
                 "VM 'hv-db-01', site '%s', step 'map networks': source network 'prod-db' is not mapped" % B):
        assert text in refused["msg"], (text, refused["msg"])
    assert sites_state(hv) == before


def test_a_planned_failover_that_cannot_promote_leaves_production_running(fresh):
    hv = fresh
    protect(hv, hours=0)
    hv.lab("/fault", body={"host": B, "cmdlet": "Start-VMFailover", "error_id": "OperationFailed",
                           "message": "The replica could not fail over.", "category": "InvalidOperation", "count": 1})
    failed = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert failed["failed"], failed
    [vm] = failed["vms"]
    # the engine's step, the PowerShell step that failed in the message
    assert vm["error"]["step"] == "promote replica" and vm["error"]["site"] == B, vm
    assert vm["error"]["message"].startswith("fail over replica: The replica could not fail over."), vm
    ran = [(c["step"], c["ok"]) for c in vm["compensation"]["ran"]]
    assert ran == [("unfence source", True), ("cancel the prepared failover", True), ("start source again", True)]
    assert hv.replication(A, "hv-web-01")["state"] == "Replicating" and hv.nic(A, "hv-web-01")["state"] == "Running"
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating" and hv.nic(B, "hv-web-01")["state"] == "Off"
    retried = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert retried["changed"] and not retried["failed"], retried
    assert hv.replication(B, "hv-web-01")["mode"] == "Primary" and hv.nic(B, "hv-web-01")["state"] == "Running"


def test_the_compensation_runs_one_command_per_host_and_step_and_starts_only_the_sources_that_ran(fresh):
    hv = fresh
    protect(hv, hours=0)
    hv.ps(A, "Stop-VM -Name hv-db-01 -Force")  # one source is off before the failover, the other runs
    hv.lab("/fault", body={"host": B, "cmdlet": "Start-VMFailover", "error_id": "OperationFailed",
                           "message": "The replica could not fail over.", "category": "InvalidOperation", "count": 2})
    hv.lab("/stats/reset")
    failed = hv.module("failover", {"mode": "planned", "vms": list(VMS)})
    assert failed["failed"], failed
    for vm in failed["vms"]:
        assert vm["error"]["step"] == "promote replica", vm
        assert vm["error"]["message"].startswith("fail over replica: "), vm
        ran = [(c["step"], c["ok"]) for c in vm["compensation"]["ran"]]
        assert ran == [("unfence source", True), ("cancel the prepared failover", True), ("start source again", True)]
    # one PowerShell step per engine step, one command per host each, compensations included
    assert hv.stats()["hosts"][A]["steps"] == {
        "read VMs": 1, "prepare reverse replication": 1, "stop source": 1, "final recovery point": 1,
        "confirm source off": 1, "cancel the prepared failover": 1, "start source again": 1}
    assert hv.replication(A, "hv-web-01")["state"] == hv.replication(A, "hv-db-01")["state"] == "Replicating"
    assert hv.nic(A, "hv-web-01")["state"] == "Running" and hv.nic(A, "hv-db-01")["state"] == "Off"
    assert [hv.nic(B, vm)["state"] for vm in VMS] == ["Off", "Off"]


def test_readiness_expects_the_failover_addresses_an_earlier_reip_staged(fresh):
    hv = fresh
    protect(hv, hours=0)
    staged = hv.module("reip", {"vms": list(VMS), "rules": REIP["rules"]})
    assert staged["changed"] and not staged["failed"], staged
    hv.ps(B, KVP_OFF % "hv-web-01")  # this guest will not take the staged address
    done = hv.module("failover", {"mode": "planned", "vms": list(VMS), "ready_timeout": 3})
    assert done["failed"], done
    web, db = done["vms"]
    assert web["error"]["step"] == "wait until ready" and web["ready"] is False, web
    assert web["addresses_expected"] == ["10.20.1.41"] and web["addresses_seen"] == ["10.10.1.41"], web
    assert db["ready"] is True and not db["failed"], db
    assert db["addresses_expected"] == db["addresses_seen"] == ["10.20.2.41"], db


@pytest.mark.parametrize("mode", ["planned", "test"])
def test_a_guest_that_does_not_apply_its_failover_address_fails_naming_expected_and_seen(fresh, mode):
    hv = fresh
    protect(hv, hours=0)
    # the replica's guest ignores KVP injection (as a Linux guest without LIS static IP injection would)
    hv.ps(B, KVP_OFF % "hv-web-01")
    args = {"mode": mode, "vms": ["hv-web-01"], "reip": REIP, "ready_timeout": 3}
    if mode == "planned":
        args["network_map"] = {"live": LIVE}
    done = hv.module("failover", args)
    assert done["failed"], done
    [vm] = done["vms"]
    assert vm["error"]["step"] == "wait until ready" and vm["error"]["site"] == B, vm
    assert "expected addresses 10.20.1.41, seen 10.10.1.41" in vm["error"]["message"], vm
    assert vm["addresses_expected"] == ["10.20.1.41"] and vm["addresses_seen"] == ["10.10.1.41"], vm
    assert vm["ready"] is False
    if mode == "planned":
        # past the point of no return: the replica runs, nothing is undone
        assert vm["compensation"] == {"ran": [], "reason": "past the point of no return"}, vm
        assert hv.replication(B, "hv-web-01")["mode"] == "Primary" and hv.nic(B, "hv-web-01")["state"] == "Running"
    # the other VM of the site, whose guest applies its settings, is ready with its new address
    other = {"mode": mode, "vms": ["hv-db-01"], "reip": REIP, "network_map": {"live": LIVE} if mode == "planned"
             else {"test": "dr-test"}}
    ready = hv.module("failover", other)
    assert not ready["failed"] and ready["vms"][0]["addresses_seen"] == ["10.20.2.41"], ready


def test_a_replica_that_fails_to_start_after_the_reverse_is_not_undone_and_the_source_stays_off(fresh):
    hv = fresh
    protect(hv, hours=0)
    hv.lab("/fault", body={"host": B, "cmdlet": "Start-VM", "error_id": "OperationFailed",
                           "message": "The VM could not start.", "category": "InvalidOperation", "count": 1})
    failed = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert failed["failed"], failed
    [vm] = failed["vms"]
    assert vm["error"]["step"] == "start replica" and vm["error"]["site"] == B, vm
    assert vm["error"]["message"].startswith("start recovered VM: The VM could not start."), vm
    # Stop-VMFailover cannot undo a reversed failover: the demotion fails and nothing older is undone, so the old
    # primary (now the replica) is not started: the two copies never run together
    [demote] = vm["compensation"]["ran"]
    assert demote["step"] == "demote replica" and not demote["ok"] and "cannot be cancelled" in demote["error"], vm
    assert [c["step"] for c in vm["compensation"]["not_run"]] == ["unfence source", "cancel the prepared failover",
                                                                  "start source again"], vm
    assert hv.replication(B, "hv-web-01")["mode"] == "Primary" and hv.nic(B, "hv-web-01")["state"] == "Off"
    assert hv.replication(A, "hv-web-01")["mode"] == "Replica" and hv.nic(A, "hv-web-01")["state"] == "Off"
    # the rerun starts the recovered VM (the failover itself is done)
    again = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert again["changed"] and not again["failed"], again
    assert hv.nic(B, "hv-web-01")["state"] == "Running" and hv.nic(A, "hv-web-01")["state"] == "Off"
