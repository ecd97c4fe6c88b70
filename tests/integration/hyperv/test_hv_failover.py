"""failover (test, cleanup_test, planned, unplanned, reverse, cancel), network_map and reip with provider=hyperv."""
import base64

import pytest

from tests.integration.hyperv.hv_session import A, B

LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
BACK = {"dr-web": "prod-web", "dr-db": "prod-db"}
REIP = {"rules": [{"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1"}]}
TEST_REIP = {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]}


def protect(hv, vms, hours=0):
    result = hv.module("replica_enable", {"vms": vms, "policy": {"rpo": 5, "recovery_points": 4},
                                          "network_map": {"live": LIVE}, "configure_replica_server": ["source"]})
    assert not result["failed"], result
    hv.advance(120 + hours * 3600)


def test_planned_failover_reverse_and_failback(fresh):
    hv = fresh
    protect(hv, ["hv-web-01"])
    args = {"mode": "planned", "vms": ["hv-web-01"], "network_map": {"live": LIVE}, "reip": REIP}
    checked = hv.module("failover", args, check=True)
    assert checked["changed"] is True and not checked["failed"], checked
    assert hv.nic(A, "hv-web-01")["state"] == "Running"

    done = hv.module("failover", args, diff=True)
    assert done["changed"] is True and not done["failed"], done
    [vm] = done["vms"]
    assert vm["recovered_vm"]["power_state"] == "Running" and vm["achieved_rpo_seconds"] == 0
    assert vm["reip"][0]["target_ip"] == "10.20.1.41"
    assert done["diff"]["after"]["hv-web-01"]["mode"] == "Primary"
    replica_nic = hv.nic(B, "hv-web-01")
    assert replica_nic["switch"] == "dr-web" and replica_nic["state"] == "Running"
    # the guest applied its failover TCP/IP settings when it booted, after the reverse (reference §8), and the
    # readiness wait saw the promised address
    assert replica_nic["failover_ip"] == "10.20.1.41" and replica_nic["failover_gw"] == "10.20.1.1", replica_nic
    assert replica_nic["ips"] == ["10.20.1.41"], replica_nic
    assert vm["addresses_seen"] == vm["addresses_expected"] == ["10.20.1.41"] and vm["ready"] is True, vm
    assert hv.replication(A, "hv-web-01")["mode"] == "Replica"
    assert hv.replication(B, "hv-web-01")["mode"] == "Primary"

    again = hv.module("failover", args)
    assert again["changed"] is False and not again["failed"], again
    # planned failover already reversed replication
    assert hv.module("failover", {"mode": "reverse", "vms": ["hv-web-01"]})["changed"] is False

    hv.advance(600)
    back = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"], "network_map": {"live": BACK}},
                     source=B, target=A)
    assert back["changed"] is True and not back["failed"], back
    assert hv.replication(A, "hv-web-01")["mode"] == "Primary"
    assert hv.nic(A, "hv-web-01")["state"] == "Running" and hv.nic(B, "hv-web-01")["state"] == "Off"
    # a resumed failback reverses again from the recovery site: the VM is home already, so that is done and the
    # running primary is left alone (it is never turned off to become a replica)
    resumed = hv.module("failover", {"mode": "reverse", "vms": ["hv-web-01"]})
    assert resumed["changed"] is False and not resumed["failed"], resumed
    assert resumed["vms"][0]["skipped"] == "the VM runs at site '%s' already" % A
    assert hv.nic(A, "hv-web-01")["state"] == "Running" and hv.replication(A, "hv-web-01")["mode"] == "Primary"


def test_unplanned_from_a_chosen_recovery_point_then_reverse(fresh):
    hv = fresh
    protect(hv, ["hv-db-01"], hours=3)
    info = hv.module("replica_info", {"vms": ["hv-db-01"]})
    points = info["replications"][0]["recovery_points"]
    assert len(points) >= 3, info
    chosen = points[1]
    when = chosen["time"][:19] + "Z"
    vms = [{"name": "hv-db-01", "recovery_point": when}]

    refused = hv.module("failover", {"mode": "unplanned", "vms": vms})
    assert refused["failed"] and "still runs" in refused["msg"], refused
    assert hv.replication(B, "hv-db-01")["state"] == "Replicating"

    args = {"mode": "unplanned", "vms": vms, "allow_source_running": True, "network_map": {"live": LIVE}}
    checked = hv.module("failover", args, check=True)
    assert checked["changed"] is True and hv.replication(B, "hv-db-01")["state"] == "Replicating", checked
    done = hv.module("failover", args)
    assert done["changed"] is True and not done["failed"], done
    [vm] = done["vms"]
    assert vm["recovery_point"]["id"] == chosen["id"], (vm, chosen)
    assert vm["achieved_rpo_seconds"] > 3600
    assert hv.replication(B, "hv-db-01")["state"] == "FailedOverWaitingCompletion"
    assert hv.nic(B, "hv-db-01")["state"] == "Running" and hv.nic(B, "hv-db-01")["switch"] == "dr-db"
    assert hv.module("failover", args)["changed"] is False

    reverse = hv.module("failover", {"mode": "reverse", "vms": ["hv-db-01"]}, diff=True)
    assert reverse["changed"] is True and not reverse["failed"], reverse
    assert hv.replication(B, "hv-db-01")["mode"] == "Primary"
    assert hv.replication(A, "hv-db-01")["mode"] == "Replica"
    assert hv.module("failover", {"mode": "reverse", "vms": ["hv-db-01"]})["changed"] is False
    hv.advance(120)
    assert hv.replication(B, "hv-db-01")["state"] == "Replicating"


def fail_next_failover(hv, host, message):
    """The next Start-VMFailover on ``host`` fails with an OperationFailed VirtualizationException."""
    hv.lab("/fault", body={"host": host, "cmdlet": "Start-VMFailover", "error_id": "OperationFailed",
                           "message": message, "category": "InvalidOperation", "count": 1})


def applied_time(hv, host, vm):
    """The replica's LastAppliedLogTime (UTC, seconds): the time of its latest recovery point."""
    b64 = base64.b64encode(vm.encode("utf-8")).decode("ascii")
    return hv.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                       "$vm = @(Get-VM | Where-Object { $_.Name -eq $n })[0]\n"
                       "$t = (Get-VMReplication -VM $vm).LastAppliedLogTime.ToUniversalTime()\n"
                       "ConvertTo-Json -Compress -InputObject $t.ToString(\"yyyy-MM-dd'T'HH:mm:ss'Z'\")" % b64)


def assert_achieved_rpo(vm, point_time, lower, upper):
    """recovery_point carries the real UTC time of the point used; achieved_rpo_seconds is measured from it."""
    assert vm["recovery_point"]["time"] == point_time, (vm, point_time)
    assert lower <= vm["achieved_rpo_seconds"] <= upper, vm
    assert vm["time_to_ready_seconds"] >= 0, vm


def test_unplanned_without_commit_then_cancel_through_the_module(fresh):
    hv = fresh
    protect(hv, ["hv-web-01"], hours=1)
    latest = applied_time(hv, B, "hv-web-01")
    done = hv.module("failover", {"mode": "unplanned", "vms": ["hv-web-01"], "allow_source_running": True})
    assert done["changed"] and not done["failed"], done
    [vm] = done["vms"]
    assert vm["recovery_point"]["id"] == "latest-" + latest.replace("-", "").replace(":", ""), vm
    assert_achieved_rpo(vm, latest, 0, 360)
    assert hv.replication(B, "hv-web-01")["state"] == "FailedOverWaitingCompletion"

    cancel = {"mode": "cancel", "vms": ["hv-web-01"]}
    checked = hv.module("failover", cancel, check=True)
    assert checked["changed"] and hv.replication(B, "hv-web-01")["state"] == "FailedOverWaitingCompletion", checked
    cancelled = hv.module("failover", cancel, diff=True)
    assert cancelled["changed"] and not cancelled["failed"], cancelled
    assert cancelled["diff"]["before"]["hv-web-01"]["state"] == "FailedOverWaitingCompletion"
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating" and hv.nic(B, "hv-web-01")["state"] == "Off"
    assert hv.nic(A, "hv-web-01")["state"] == "Running"
    assert hv.module("failover", cancel)["changed"] is False


def test_unplanned_with_commit_through_the_module(fresh):
    hv = fresh
    protect(hv, ["hv-db-01"], hours=2)
    args = {"mode": "unplanned", "vms": ["hv-db-01"], "allow_source_running": True, "commit": True}
    checked = hv.module("failover", args, check=True)
    assert checked["changed"] and hv.replication(B, "hv-db-01")["state"] == "Replicating", checked
    latest = applied_time(hv, B, "hv-db-01")
    done = hv.module("failover", args)
    assert done["changed"] and not done["failed"], done
    assert_achieved_rpo(done["vms"][0], latest, 0, 360)
    assert hv.replication(B, "hv-db-01")["state"] == "FailedOver"
    assert hv.module("failover", args)["changed"] is False
    refused = hv.module("failover", {"mode": "cancel", "vms": ["hv-db-01"]})
    assert refused["failed"] and "committed" in refused["msg"], refused
    error = refused["vms"][0]["error"]
    assert error["site"] == B and error["step"] == "cancel failover" and error["vm"] == "hv-db-01", error
    assert hv.replication(B, "hv-db-01")["state"] == "FailedOver"


def test_cancel_restarts_a_primary_left_prepared(fresh):
    hv = fresh
    protect(hv, ["hv-web-01"])
    # what a planned failover interrupted between the final sync and the promotion leaves behind
    hv.ps(A, "Stop-VM -Name hv-web-01 -Force\nStart-VMFailover -VMName hv-web-01 -Prepare -Confirm:$false")
    assert hv.replication(A, "hv-web-01")["state"] == "PreparedForFailover" and hv.nic(A, "hv-web-01")["state"] == "Off"
    cancelled = hv.module("failover", {"mode": "cancel", "vms": ["hv-web-01"]})
    assert cancelled["changed"] and not cancelled["failed"], cancelled
    assert hv.replication(A, "hv-web-01")["state"] == "Replicating" and hv.nic(A, "hv-web-01")["state"] == "Running"
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating" and hv.nic(B, "hv-web-01")["state"] == "Off"


def test_test_failover_isolated_reiped_and_cleaned_up(fresh):
    hv = fresh
    protect(hv, ["hv-web-01"], hours=1)
    refused = hv.module("failover", {"mode": "test", "vms": ["hv-web-01"], "network_map": {"test": "dr-web"}})
    assert refused["failed"] and "External" in refused["msg"], refused
    args = {"mode": "test", "vms": ["hv-web-01"], "network_map": {"test": "dr-test"}, "reip": TEST_REIP}
    checked = hv.module("failover", args, check=True)
    assert checked["changed"] is True and "hv-web-01 - Test" not in hv.vms(B), checked

    first = hv.module("failover", args, diff=True)
    assert first["changed"] is True and not first["failed"], first
    [vm] = first["vms"]
    assert vm["test_vm"] == "hv-web-01 - Test" and vm["networks"] == [{"index": 0, "network": "dr-test"}]
    assert_achieved_rpo(vm, applied_time(hv, B, "hv-web-01"), 0, 360)
    test_nic = hv.nic(B, "hv-web-01 - Test")
    assert test_nic["state"] == "Running" and test_nic["switch"] == "dr-test"
    assert "10.99.1.41" in test_nic["ips"], test_nic
    assert hv.nic(B, "hv-web-01")["state"] == "Off" and hv.nic(A, "hv-web-01")["state"] == "Running"
    assert hv.module("failover", args)["changed"] is False

    info = hv.module("replica_info", {"vms": ["hv-web-01"]})
    assert info["replications"][0]["test_vms"][0]["name"] == "hv-web-01 - Test"

    cleanup = {"mode": "cleanup_test", "vms": ["hv-web-01"]}
    assert hv.module("failover", cleanup, check=True)["changed"] is True
    assert "hv-web-01 - Test" in hv.vms(B)
    cleaned = hv.module("failover", cleanup)
    assert cleaned["changed"] is True and cleaned["vms"][0]["removed"] == ["hv-web-01 - Test"], cleaned
    assert "hv-web-01 - Test" not in hv.vms(B)
    assert hv.module("failover", cleanup)["changed"] is False


def test_network_map_and_reip_modules(fresh):
    hv = fresh
    hv.module("replica_enable", {"vms": ["hv-web-01", "hv-db-01"]})
    vms = ["hv-web-01", "hv-db-01"]
    live = hv.module("network_map", {"vms": vms, "network_map": {"live": LIVE}}, diff=True)
    assert live["changed"] is True and not live["failed"], live
    assert hv.nic(B, "hv-db-01")["switch"] == "dr-db"
    assert hv.module("network_map", {"vms": vms, "network_map": {"live": LIVE}})["changed"] is False
    test = hv.module("network_map", {"mode": "test", "vms": vms, "network_map": {"test": "dr-test"}})
    assert test["changed"] is True and hv.nic(B, "hv-web-01")["test_switch"] == "dr-test", test

    rules = [{"source": "10.10.0.0/16", "target": "10.20.0.0/16", "gateway": "10.20.0.1", "dns": ["10.20.0.53"]}]
    checked = hv.module("reip", {"vms": vms, "rules": rules}, check=True)
    assert checked["changed"] is True and hv.nic(B, "hv-web-01")["failover_ip"] is None, checked
    done = hv.module("reip", {"vms": vms, "rules": rules}, diff=True)
    assert done["changed"] is True and not done["failed"], done
    assert hv.nic(B, "hv-db-01")["failover_ip"] == "10.20.2.41"
    assert hv.nic(B, "hv-db-01")["failover_gw"] == "10.20.0.1"
    assert hv.module("reip", {"vms": vms, "rules": rules})["changed"] is False
    unmatched = hv.module("reip", {"vms": vms, "rules": [{"source": "192.168.0.0/16", "target": "10.30.0.0/16"}]})
    assert unmatched["failed"] and "matches no re-IP rule" in unmatched["msg"], unmatched


def test_reip_of_a_vm_with_two_adapters_of_the_same_name(fresh):
    """Hyper-V names every adapter "Network Adapter": the failover IP of each is read and set by the adapter object,
    so a rerun changes nothing and a failover waits for both addresses."""
    hv = fresh
    nics = [{"switch": "prod-web", "ip": "10.10.1.61", "gateway": "10.10.1.1"},
            {"switch": "prod-db", "ip": "10.10.2.61", "gateway": "10.10.2.1"}]
    hv.lab("/vms", body={"host": A, "vms": [{"name": "two-nic", "state": "Running", "nics": nics}]})
    protect(hv, ["two-nic"])
    rules = [{"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1"},
             {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.1"}]
    done = hv.module("reip", {"vms": ["two-nic"], "rules": rules}, diff=True)
    assert done["changed"] and not done["failed"], done
    after = done["diff"]["after"]["two-nic"]["failover_ip"]
    assert [(n["ip"], n["gateway"]) for n in after] == [("10.20.1.61", "10.20.1.1"), ("10.20.2.61", "10.20.2.1")]
    again = hv.module("reip", {"vms": ["two-nic"], "rules": rules})
    assert again["changed"] is False and not again["failed"], again
    # staged by the reip call above, expected by the failover's readiness wait on both NICs
    failed_over = hv.module("failover", {"mode": "planned", "vms": ["two-nic"], "network_map": {"live": LIVE}})
    assert failed_over["changed"] and not failed_over["failed"], failed_over
    [vm] = failed_over["vms"]
    assert vm["addresses_expected"] == vm["addresses_seen"] == ["10.20.1.61", "10.20.2.61"], vm


@pytest.mark.parametrize("name", ["a'; Remove-VM *; '", "web$(Stop-VM *)\"`n[*]?"])
def test_hostile_vm_name_fails_over_and_nothing_is_injected(fresh, name):
    hv = fresh
    vm = {"name": name, "switch": "prod-web", "ip": "10.10.1.77", "prefix": 24, "gateway": "10.10.1.1", "state": "Running"}
    hv.lab("/vms", body={"host": A, "vms": [vm]})
    before_a, before_b = sorted(hv.vms(A)), sorted(hv.vms(B))
    enabled = hv.module("replica_enable", {"vms": [name], "network_map": {"live": LIVE},
                                           "configure_replica_server": ["source"]})
    assert enabled["changed"] and not enabled["failed"], enabled
    hv.advance(3700)
    done = hv.module("failover", {"mode": "planned", "vms": [name], "network_map": {"live": LIVE}, "reip": REIP})
    assert done["changed"] and not done["failed"], done
    assert done["vms"][0]["name"] == name
    assert hv.replication(B, name)["mode"] == "Primary"
    assert hv.nic(B, name)["failover_ip"] == "10.20.1.77"
    assert sorted(hv.vms(A)) == before_a and sorted(hv.vms(B)) == sorted(before_b + [name])
    cmdlets = {}
    for host in hv.stats()["hosts"].values():
        cmdlets.update(host["cmdlets"])
    assert "Remove-VM" not in cmdlets, cmdlets
    # the other VMs were not stopped by an injected Stop-VM *
    assert hv.nic(A, "hv-db-01")["state"] == "Running"


def test_unplanned_and_info_without_the_source_site(fresh):
    hv = fresh
    protect(hv, ["hv-web-01", "hv-db-01"], hours=1)
    down = {"VMDR_SOURCE_PORT": "1"}  # nothing listens there: the protected site is lost
    # a lost site is never read as healthy: by default the call fails naming it, on request it reports health unknown
    refused = hv.module("replica_info", {"vms": ["hv-web-01"]}, env=down)
    assert refused["failed"] and refused["error"]["site"] == "hv-a1.lab.local", refused
    info = hv.module("replica_info", {"vms": ["hv-web-01"], "unreadable_site": "report"}, env=down)
    assert not info["failed"] and info["replications"][0]["replica"]["name"] == "hv-web-01", info
    assert info["replications"][0]["state"] == "unknown" and info["replications"][0]["health"] == "unknown", info
    assert info["replications"][0]["rpo_compliant"] is None, info
    done = hv.module("failover", {"mode": "unplanned", "vms": ["hv-web-01"]}, env=down)
    assert done["changed"] and not done["failed"], done
    assert any("could not be read" in w for w in done.get("warnings", [])), done
    assert hv.replication(B, "hv-web-01")["state"] == "FailedOverWaitingCompletion"
    needs_source = hv.module("failover", {"mode": "unplanned", "vms": ["hv-db-01"], "reip": REIP}, env=down)
    assert needs_source["failed"] and "source VM could not be read" in needs_source["msg"], needs_source


def test_unplanned_with_a_network_map_while_the_source_site_is_down(fresh):
    """The protected site is lost: the live networks are planned from the replica's own NICs."""
    hv = fresh
    protect(hv, ["hv-db-01"], hours=1)  # its replica's NIC is on dr-db (replica_enable's network_map)
    assert not hv.module("replica_enable", {"vms": ["hv-web-01"]})["failed"]  # no network_map: not connected
    hv.advance(120)
    down = {"VMDR_SOURCE_PORT": "1"}
    args = {"mode": "unplanned", "network_map": {"live": LIVE}}
    refused = hv.module("failover", dict(args, vms=["hv-web-01", "hv-db-01"]), env=down)
    assert refused["failed"] and "vms" not in refused, refused
    assert "NIC 0 of the replica is not connected and the source VM could not be read" in refused["msg"], refused
    assert hv.replication(B, "hv-db-01")["state"] == "Replicating"  # refused as a whole
    done = hv.module("failover", dict(args, vms=["hv-db-01"]), env=down)
    assert done["changed"] and not done["failed"], done
    assert done["vms"][0]["networks"] == [{"index": 0, "network": "dr-db"}], done
    assert hv.replication(B, "hv-db-01")["state"] == "FailedOverWaitingCompletion"
    assert hv.nic(B, "hv-db-01")["switch"] == "dr-db" and hv.nic(B, "hv-db-01")["state"] == "Running"


def test_test_failover_from_a_chosen_recovery_point(fresh):
    hv = fresh
    protect(hv, ["hv-db-01"], hours=2)
    hv.module("network_map", {"mode": "test", "vms": ["hv-db-01"], "network_map": {"test": "dr-test"}})
    points = hv.module("replica_info", {"vms": ["hv-db-01"]})["replications"][0]["recovery_points"]
    oldest = points[-1]
    result = hv.module("failover", {"mode": "test", "vms": [{"name": "hv-db-01", "recovery_point": oldest["id"]}]})
    assert result["changed"] and not result["failed"], result
    assert result["vms"][0]["recovery_point"]["id"] == oldest["id"]
    assert_achieved_rpo(result["vms"][0], oldest["time"][:19] + "Z", 3600, 4 * 3600)
    assert hv.nic(B, "hv-db-01 - Test")["switch"] == "dr-test"
    assert hv.module("failover", {"mode": "cleanup_test", "vms": ["hv-db-01"]})["changed"] is True
    missing = hv.module("failover", {"mode": "test", "vms": [{"name": "hv-db-01", "recovery_point": "no-such-point"}]})
    assert missing["failed"] and "no recovery point matches 'no-such-point'" in missing["msg"], missing
    assert "hv-db-01 - Test" not in hv.vms(B)


def test_a_failed_final_sync_restarts_the_primary(fresh):
    hv = fresh
    protect(hv, ["hv-web-01"])
    fail_next_failover(hv, A, "The final replication failed.")
    failed = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert failed["failed"], failed
    error = failed["vms"][0]["error"]
    assert error["site"] == A and error["step"] == "final recovery point", error
    assert error["message"].startswith("prepare failover: The final replication failed."), error
    assert error["fault"]["fqid"].startswith("OperationFailed,")
    # PREPARE_PRIMARY does not start the primary again itself: the compensation of the stop does (START_VMS)
    ran = [(c["step"], c["ok"], c["changed"]) for c in failed["vms"][0]["compensation"]["ran"]]
    assert ran == [("start source again", True, True)], failed["vms"][0]
    assert hv.nic(A, "hv-web-01")["state"] == "Running"
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating"
    retried = hv.module("failover", {"mode": "planned", "vms": ["hv-web-01"]})
    assert retried["changed"] and not retried["failed"], retried
