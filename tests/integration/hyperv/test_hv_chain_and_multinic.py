"""The Hyper-V provider on the seeded multi-NIC VMs and the extended chain hv-a1 -> hv-b1 -> hv-c1, through the real
modules, against a simulator that binds the cmdlets by their real parameter sets and outputs: failover (test,
cleanup_test, planned, unplanned, cancel, reverse), re-IP and replica_info; and the replica_enable defects of
issue 11 (extended removal, export/import folder, delete_replica, -UseBackup on reverse)."""
import base64

from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from tests.integration.hyperv.hv_session import A, B, C

LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
REIP = {"rules": [{"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1"},
                  {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.1"}]}
TEST_REIP = {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]}
CHAIN = "hv-chain-01"
APP = "hv-app-01"


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def nics(hv, host, vm):
    """Every adapter of the VM in order: switch, guest addresses and the failover IPv4 staged on it."""
    return hv.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                       "$vm = @(Get-VM | Where-Object { $_.Name -eq $n })[0]\n"
                       "$out = @(foreach ($a in @(Get-VMNetworkAdapter -VM $vm)) {\n"
                       "  $f = Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $a\n"
                       "  [ordered]@{ name = $a.Name; switch = $a.SwitchName; ips = @($a.IPAddresses);"
                       " failover_ip = $f.IPv4Address; failover_gw = $f.IPv4DefaultGateway } })\n"
                       "ConvertTo-Json -Compress -Depth 3 -InputObject $out" % b64(vm))


def relationships(hv, host, vm):
    """[{relationship, mode, state}] of every relationship of the VM on the host (both on the middle host)."""
    return hv.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                       "$vm = @(Get-VM | Where-Object { $_.Name -eq $n })[0]\n"
                       "$out = @(Get-VMReplication -VM $vm | ForEach-Object { [ordered]@{ relationship = "
                       "\"$($_.ReplicationRelationshipType)\"; mode = \"$($_.ReplicationMode)\"; state = "
                       "\"$($_.ReplicationState)\" } })\n"
                       "ConvertTo-Json -Compress -InputObject $out" % b64(vm))


def power(hv, host, vm):
    return hv.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                       "ConvertTo-Json -Compress -InputObject @(Get-VM | Where-Object { $_.Name -eq $n } | "
                       "ForEach-Object { $_.State.ToString() })" % b64(vm))


def start(hv, vm):
    """The seeded multi-NIC VMs are Off: running, their guests report the addresses a re-IP maps."""
    hv.ps(A, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
             "Get-VM | Where-Object { $_.Name -eq $n } | Start-VM\nConvertTo-Json -InputObject $true" % b64(vm))


def protect(hv, vm, hours=0, **extra):
    args = dict({"vms": [vm], "policy": {"rpo": 5, "recovery_points": 4}, "network_map": {"live": LIVE},
                 "configure_replica_server": ["source"]}, **extra)
    result = hv.module("replica_enable", args)
    assert not result["failed"], result
    hv.advance(120 + hours * 3600)
    return args


def chain(hv, hours=1):
    """hv-chain-01 replicating hv-a1 -> hv-b1 and extended hv-b1 -> hv-c1."""
    args = protect(hv, CHAIN, extended_replica={"hostname": C, "rpo": 5})
    second = hv.module("replica_enable", args)  # the extended replication starts once the replica has its copy
    assert second["changed"] and not second["failed"], second
    hv.advance(120 + hours * 3600)
    assert relationships(hv, B, CHAIN) == [{"relationship": "Simple", "mode": "Replica", "state": "Replicating"},
                                           {"relationship": "Extended", "mode": "Replica", "state": "Replicating"}]
    return args


def test_extended_chain_is_idempotent_and_reported_on_the_middle_host(fresh):
    hv = fresh
    args = chain(hv)
    again = hv.module("replica_enable", args)
    assert again["changed"] is False and not again["failed"], again
    assert again["vms"][0]["extended"]["replication_state"] == "Replicating", again
    info = hv.module("replica_info", {"vms": [CHAIN]})
    assert not info["failed"], info
    [rep] = info["replications"]
    assert rep["state"] == "enabled" and rep["health"] == "ok" and rep["recovery_points"], rep


def test_extended_chain_test_failover_and_cleanup_on_the_middle_host(fresh):
    hv = fresh
    start(hv, CHAIN)
    chain(hv)
    args = {"mode": "test", "vms": [CHAIN], "network_map": {"test": "dr-test"}, "reip": TEST_REIP}
    first = hv.module("failover", args)
    assert first["changed"] and not first["failed"], first
    test_nics = nics(hv, B, CHAIN + " - Test")
    assert [n["switch"] for n in test_nics] == ["dr-test", "dr-test"]
    assert sorted(ip for n in test_nics for ip in n["ips"]) == ["10.99.1.61", "10.99.2.61"], test_nics
    assert hv.module("failover", args)["changed"] is False
    cleaned = hv.module("failover", {"mode": "cleanup_test", "vms": [CHAIN]})
    assert cleaned["changed"] and not cleaned["failed"], cleaned
    assert CHAIN + " - Test" not in hv.vms(B)


def test_extended_chain_unplanned_then_cancel_on_the_middle_host(fresh):
    hv = fresh
    chain(hv)
    done = hv.module("failover", {"mode": "unplanned", "vms": [CHAIN], "network_map": {"live": LIVE}})
    assert done["changed"] and not done["failed"], done
    assert relationships(hv, B, CHAIN)[0]["state"] == "FailedOverWaitingCompletion"
    cancelled = hv.module("failover", {"mode": "cancel", "vms": [CHAIN]})
    assert cancelled["changed"] and not cancelled["failed"], cancelled
    assert relationships(hv, B, CHAIN)[0]["state"] == "Replicating"


def test_extended_replication_is_removed_by_its_own_object(fresh):
    hv = fresh
    args = chain(hv)
    removed = hv.module("replica_enable", dict(args, state="absent"))
    assert removed["changed"] and not removed["failed"], removed
    assert hv.ps(B, "ConvertTo-Json -InputObject @(Get-VMReplication).Count") == 0


def test_multi_nic_planned_failover_reips_each_adapter_and_is_idempotent(fresh):
    hv = fresh
    start(hv, APP)
    protect(hv, APP, hours=1)
    args = {"mode": "planned", "vms": [APP], "network_map": {"live": LIVE}, "reip": REIP}
    done = hv.module("failover", args)
    assert done["changed"] and not done["failed"], done
    [vm] = done["vms"]
    assert [(r["index"], r["target_ip"]) for r in vm["reip"]] == [(0, "10.20.1.51"), (1, "10.20.2.51")], vm
    recovered = nics(hv, B, APP)
    assert [(n["switch"], n["failover_ip"], n["failover_gw"]) for n in recovered] == [
        ("dr-web", "10.20.1.51", "10.20.1.1"), ("dr-db", "10.20.2.51", "10.20.2.1")], recovered
    assert [n["ips"] for n in recovered] == [["10.20.1.51"], ["10.20.2.51"]], recovered
    again = hv.module("failover", args)
    assert again["changed"] is False and not again["failed"], again
    info = hv.module("replica_info", {"vms": [APP]}, source=B, target=A)
    assert not info["failed"], info


def test_multi_nic_reip_staged_per_adapter(fresh):
    hv = fresh
    start(hv, APP)
    protect(hv, APP)
    staged = hv.module("reip", {"vms": [APP], "rules": REIP["rules"]})
    assert staged["changed"] and not staged["failed"], staged
    assert [n["failover_ip"] for n in nics(hv, B, APP)] == ["10.20.1.51", "10.20.2.51"]
    # both adapters are named "Network Adapter": the idempotence check reads each by its object
    again = hv.module("reip", {"vms": [APP], "rules": REIP["rules"]})
    assert again["changed"] is False, again


def test_planned_failover_to_an_older_point_reports_its_age(fresh):
    hv = fresh
    protect(hv, APP, hours=3)
    points = hv.module("replica_info", {"vms": [APP]})["replications"][0]["recovery_points"]
    assert len(points) >= 2, points
    older = points[-1]  # newest first: the oldest point kept
    # the chosen point is at least this much older than the newest one; the failover starts later still
    spread = timeparse.seconds_between(older["time"], points[0]["time"])
    done = hv.module("failover", {"mode": "planned", "network_map": {"live": LIVE},
                                  "vms": [{"name": APP, "recovery_point": older["id"]}]})
    assert done["changed"] and not done["failed"], done
    [vm] = done["vms"]
    assert vm["recovery_point"]["id"] == older["id"], vm
    # the final sync of -Prepare is discarded: the achieved RPO is the chosen point's age, not 0
    assert spread > 0 and vm["achieved_rpo_seconds"] >= spread, (vm, spread)
    assert any("final sync" in w for w in done.get("warnings", [])), done


def test_reverse_after_unplanned_starts_from_the_old_primarys_disks(fresh):
    hv = fresh
    protect(hv, APP, hours=1)
    done = hv.module("failover", {"mode": "unplanned", "vms": [APP], "commit": True, "network_map": {"live": LIVE}})
    assert done["changed"] and not done["failed"], done
    reverse = hv.module("failover", {"mode": "reverse", "vms": [APP]})
    assert reverse["changed"] and not reverse["failed"], reverse
    # Start-VMInitialReplication -UseBackup: only the differences travel, not a full copy of the disks
    size = hv.ps(B, "$vm = @(Get-VM | Where-Object { $_.Name -eq 'hv-app-01' })[0]\n"
                    "ConvertTo-Json -InputObject (Measure-VMReplication -VM $vm).InitialReplicationSize")
    assert size == 0
    hv.advance(180)
    assert relationships(hv, B, APP)[0]["mode"] == "Primary"
    assert relationships(hv, A, APP)[0] == {"relationship": "Simple", "mode": "Replica", "state": "Replicating"}


def test_export_and_import_use_the_per_vm_folder_hyperv_writes(fresh):
    hv = fresh
    export = {"vms": [APP], "initial_replication": "export", "media_path": "E:\\IR"}
    done = hv.module("replica_enable", export)
    assert done["changed"] and not done["failed"], done
    imported = hv.module("replica_enable", dict(export, initial_replication="import"))
    assert imported["changed"] and not imported["failed"], imported
    assert relationships(hv, B, APP)[0]["state"] == "Replicating"


def test_delete_replica_deletes_the_replicas_disks_and_nothing_else(fresh):
    hv = fresh
    protect(hv, APP)
    disks = hv.ps(B, "$vm = @(Get-VM | Where-Object { $_.Name -eq 'hv-app-01' })[0]\n"
                     "ConvertTo-Json -Compress -InputObject @(Get-VHD -VMId $vm.Id | ForEach-Object { $_.Path })")
    assert len(disks) == 1
    removed = hv.module("replica_enable", {"vms": [APP], "state": "absent", "delete_replica": True})
    assert removed["changed"] and not removed["failed"], removed
    assert APP not in hv.vms(B)
    assert removed["vms"][0]["deleted_files"] == disks, removed
    left = hv.ps(B, "ConvertTo-Json -Compress -InputObject @(Get-VHD -Path '%s' -ErrorAction SilentlyContinue).Count"
                 % disks[0])
    assert left == 0
    # the source VM and its disks are untouched
    assert power(hv, A, APP) == ["Off"]
    assert hv.ps(A, "ConvertTo-Json -InputObject @(Get-VHD -VMId (Get-VM -Name hv-app-01).Id).Count") == 1
