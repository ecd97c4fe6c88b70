"""replica_enable / replica_info / replica_sync with provider=hyperv through real ansible + pywinrm + TLS."""
import datetime

from tests.integration.hyperv.hv_session import A, B

LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}


def test_enable_is_checked_idempotent_and_reported(fresh):
    hv = fresh
    args = {"vms": ["hv-web-01", "hv-db-01"], "policy": {"rpo": 5, "recovery_points": 4},
            "network_map": {"live": LIVE, "test": "dr-test"}}
    checked = hv.module("replica_enable", args, check=True, diff=True)
    assert checked["changed"] is True and not checked["failed"], checked
    assert "hv-web-01" not in hv.vms(B)

    first = hv.module("replica_enable", args, diff=True)
    assert first["changed"] is True and not first["failed"], first
    assert first["diff"]["before"]["hv-web-01"] is None
    assert first["diff"]["after"]["hv-web-01"]["policy"] == {"rpo": 5, "recovery_points": 4, "quiesce": False}
    assert hv.replication(A, "hv-web-01")["mode"] == "Primary"
    replica = hv.replication(B, "hv-db-01")
    assert replica["mode"] == "Replica" and replica["frequency"] == 300 and replica["history"] == 4
    assert hv.nic(B, "hv-web-01")["switch"] == "dr-web"
    assert hv.nic(B, "hv-web-01")["test_switch"] == "dr-test"

    hv.advance(120)
    again = hv.module("replica_enable", args)
    assert again["changed"] is False and not again["failed"], again

    info = hv.module("replica_info", {})
    assert not info["failed"], info
    by_name = dict((r["name"], r) for r in info["replications"])
    assert set(by_name) == {"hv-web-01", "hv-db-01"}
    web = by_name["hv-web-01"]
    assert web["state"] == "enabled" and web["health"] == "ok" and web["rpo_compliant"] is True, web
    assert web["rpo_seconds"] == 300 and web["policy"]["recovery_points"] == 4
    assert web["source"]["role"] == "source" and web["replica"]["role"] == "replica"

    # only the recovery site (source lost): still one answer per VM
    only_target = hv.module("replica_info", {"vms": ["hv-db-01"]}, env={"VMDR_SOURCE_HOST": ""})
    assert not only_target["failed"] and only_target["replications"][0]["replica"]["name"] == "hv-db-01", only_target

    synced = hv.module("replica_sync", {"vms": ["hv-web-01", "hv-db-01"]})
    assert synced["changed"] is False and not synced["failed"], synced
    assert all(v["state"]["rpo_compliant"] for v in synced["vms"])


def test_rpo_change_pause_resume_and_remove(fresh):
    hv = fresh
    vms = {"vms": ["hv-web-01"]}
    assert not hv.module("replica_enable", dict(vms, policy={"rpo": 15}))["failed"]
    hv.advance(120)
    changed = hv.module("replica_enable", dict(vms, policy={"rpo": 0.5}), diff=True)
    assert changed["changed"] is True, changed
    assert hv.replication(A, "hv-web-01")["frequency"] == 30
    refused = hv.module("replica_enable", dict(vms, policy={"rpo": 10}))
    assert refused["failed"] and "30 s, 5 min or 15 min" in refused["msg"], refused

    paused = hv.module("replica_enable", dict(vms, state="paused", policy={"rpo": 0.5}))
    assert paused["changed"] is True and hv.replication(A, "hv-web-01")["state"] == "Suspended"
    assert hv.module("replica_enable", dict(vms, state="paused", policy={"rpo": 0.5}))["changed"] is False
    sync_paused = hv.module("replica_sync", dict(vms, wait_within_rpo=False))
    assert sync_paused["failed"] and "paused" in sync_paused["msg"], sync_paused
    resumed = hv.module("replica_enable", dict(vms, policy={"rpo": 0.5}))
    assert resumed["changed"] is True and hv.replication(A, "hv-web-01")["state"] == "Replicating"

    assert hv.module("replica_enable", dict(vms, state="absent"), check=True)["changed"] is True
    assert hv.replication(A, "hv-web-01")["mode"] == "Primary"
    removed = hv.module("replica_enable", dict(vms, state="absent"))
    assert removed["changed"] is True and not removed["failed"], removed
    assert hv.replication(A, "hv-web-01") is None or hv.replication(A, "hv-web-01")["mode"] == "None"
    assert "hv-web-01" in hv.vms(B)  # the replica VM is kept
    assert hv.module("replica_enable", dict(vms, state="absent"))["changed"] is False


def test_tls_is_verified_with_the_given_ca_only(fresh):
    hv = fresh
    no_ca = hv.module("replica_info", {"vms": ["hv-web-01"]}, env={"VMDR_SOURCE_CA_PATH": "", "VMDR_TARGET_CA_PATH": ""})
    assert no_ca["failed"] and "ca_path" in no_ca["msg"], no_ca
    assert not hv.module("replica_info", {"vms": ["hv-web-01"]})["failed"]


def test_replica_server_configuration_is_opt_in(fresh):
    hv = fresh
    # hv-a1 is not a replica server: replicating towards it (the reverse direction) is refused, nothing changes
    refused = hv.module("replica_enable", {"vms": ["hv-web-01"]}, source=B, target=A)
    assert refused["failed"], refused
    error = refused["error"]
    assert error["site"] == A and error["step"] == "check replica server", error
    assert "not enabled" in error["message"] and "configure_replica_server: [target]" in error["hint"], error
    server = hv.ps(A, "ConvertTo-Json -Compress -InputObject ([bool](Get-VMReplicationServer).ReplicationEnabled)")
    assert server is False

    args = {"vms": ["hv-web-01"], "configure_replica_server": ["source"]}
    checked = hv.module("replica_enable", args, check=True)
    assert checked["changed"] and any("would be" in w for w in checked.get("warnings", [])), checked
    assert hv.ps(A, "ConvertTo-Json -Compress -InputObject ([bool](Get-VMReplicationServer).ReplicationEnabled)") is False
    done = hv.module("replica_enable", args)
    assert done["changed"] and not done["failed"], done
    assert hv.ps(A, "ConvertTo-Json -Compress -InputObject ([bool](Get-VMReplicationServer).ReplicationEnabled)") is True
    again = hv.module("replica_enable", args)
    assert again["changed"] is False and not again.get("warnings"), again


def test_scheduled_initial_replication(fresh):
    hv = fresh
    now = hv.ps(A, "$t = (Get-Date).ToUniversalTime().ToString(\"yyyy-MM-dd'T'HH:mm:ss'Z'\")\n"
                   "ConvertTo-Json -Compress -InputObject $t")
    at = datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=2)
    args = {"vms": ["hv-web-01"], "initial_replication": "scheduled",
            "initial_replication_start": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    late = dict(args, initial_replication_start=(at + datetime.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    refused = hv.module("replica_enable", late)
    assert refused["failed"] and "7 days" in refused["msg"], refused
    assert refused["vms"][0]["error"]["step"] == "validate initial replication start"
    assert "hv-web-01" not in hv.vms(B)  # refused before Enable-VMReplication
    missing = hv.module("replica_enable", dict(args, initial_replication_start=None))
    assert missing["failed"] and "initial_replication_start" in missing["msg"], missing

    assert hv.module("replica_enable", args, check=True)["changed"] and "hv-web-01" not in hv.vms(B)
    done = hv.module("replica_enable", args)
    assert done["changed"] and not done["failed"], done
    assert hv.replication(A, "hv-web-01")["state"] == "ReadyForInitialReplication"
    assert hv.module("replica_enable", args)["changed"] is False
    # replica_sync starts a deferred initial copy, never a scheduled one before its time
    synced = hv.module("replica_sync", {"vms": ["hv-web-01"], "wait_within_rpo": False})
    assert synced["changed"] is False and not synced["failed"], synced
    assert hv.replication(A, "hv-web-01")["state"] == "ReadyForInitialReplication"
    hv.advance(2 * 3600 + 5)
    assert hv.replication(A, "hv-web-01")["state"] == "InitialReplicationInProgress"
    hv.advance(60)
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating"


def test_a_deferred_initial_replication_is_started_by_replica_sync(fresh):
    """replica_enable documents initial_replication=defer as "records the relationship only; the first
    replica_sync makes the replica"."""
    hv = fresh
    enabled = hv.module("replica_enable", {"vms": ["hv-web-01"], "initial_replication": "defer"})
    assert enabled["changed"] and not enabled["failed"], enabled
    hv.advance(600)
    assert hv.replication(A, "hv-web-01")["state"] == "ReadyForInitialReplication"  # nothing moves on its own

    sync = {"vms": ["hv-web-01"], "wait_within_rpo": False}
    checked = hv.module("replica_sync", sync, check=True)
    assert checked["changed"] is True and not checked["failed"], checked
    assert hv.replication(A, "hv-web-01")["state"] == "ReadyForInitialReplication"
    started = hv.module("replica_sync", sync, diff=True)
    assert started["changed"] is True and not started["failed"], started
    assert started["vms"][0]["state"]["replication_state"] == "InitialReplicationInProgress", started
    assert hv.replication(A, "hv-web-01")["state"] == "InitialReplicationInProgress"
    hv.advance(60)
    assert hv.replication(A, "hv-web-01")["state"] == "Replicating"
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating"
    again = hv.module("replica_sync", {"vms": ["hv-web-01"]})
    assert again["changed"] is False and not again["failed"] and again["vms"][0]["state"]["rpo_compliant"], again


def test_export_to_media_then_import_at_the_replica(fresh):
    hv = fresh
    vms = ["hv-web-01", "hv-db-01"]
    export = {"vms": vms, "initial_replication": "export", "media_path": "E:\\IR"}
    bad = hv.module("replica_enable", dict(export, media_path="IR"))
    assert bad["failed"] and "absolute Windows path" in bad["msg"], bad
    early = hv.module("replica_enable", dict(export, initial_replication="import"))
    assert early["failed"] and "export first" in early["msg"], early

    assert hv.module("replica_enable", export, check=True)["changed"] and "hv-web-01" not in hv.vms(B)
    done = hv.module("replica_enable", export)
    assert done["changed"] and not done["failed"], done
    assert hv.replication(A, "hv-db-01")["state"] == "InitialReplicationInProgress"
    assert hv.replication(B, "hv-db-01")["state"] == "WaitingForInitialReplication"
    hv.advance(3600)  # an export waits for the import, not for time
    assert hv.replication(A, "hv-db-01")["state"] == "InitialReplicationInProgress"
    assert hv.module("replica_enable", export)["changed"] is False

    wrong = hv.module("replica_enable", dict(export, initial_replication="import", media_path="F:\\elsewhere"))
    assert wrong["failed"] and wrong["vms"][0]["error"]["step"] == "import initial copy", wrong
    assert wrong["vms"][0]["error"]["site"] == B
    imported = dict(export, initial_replication="import")
    checked = hv.module("replica_enable", imported, check=True)
    assert checked["changed"] and hv.replication(B, "hv-db-01")["state"] == "WaitingForInitialReplication", checked
    done = hv.module("replica_enable", imported)
    assert done["changed"] and not done["failed"], done
    for vm in vms:
        assert hv.replication(A, vm)["state"] == "Replicating" and hv.replication(B, vm)["state"] == "Replicating"
    assert hv.module("replica_enable", imported)["changed"] is False


def test_initial_replication_from_a_copy_restored_from_backup(fresh):
    hv = fresh
    args = {"vms": ["hv-web-01"], "initial_replication": "seed"}
    missing = hv.module("replica_enable", args)
    assert missing["failed"] and "restore it from backup" in missing["msg"], missing
    assert missing["vms"][0]["error"]["site"] == B
    assert "hv-web-01" not in hv.vms(B)  # Enable-VMReplication did not run (it makes a placeholder there)

    hv.lab("/restore", body={"host": A, "vm": "hv-web-01", "to": B})
    checked = hv.module("replica_enable", args, check=True)
    assert checked["changed"] and hv.replication(B, "hv-web-01") is None, checked  # no replication yet
    done = hv.module("replica_enable", args)
    assert done["changed"] and not done["failed"], done
    assert hv.replication(A, "hv-web-01")["state"] == "InitialReplicationInProgress"
    assert hv.stats()["hosts"][A]["cmdlets"].get("Start-VMInitialReplication") == 1
    hv.advance(120)
    assert hv.replication(B, "hv-web-01")["state"] == "Replicating"
    assert hv.module("replica_enable", args)["changed"] is False


def test_extended_replication_to_a_third_host(fresh):
    hv = fresh
    C = "hv-c1.lab.local"
    args = {"vms": ["hv-web-01"], "policy": {"rpo": 5}, "extended_replica": {"hostname": C, "rpo": 15}}
    refused = hv.module("replica_enable", dict(args, extended_replica={"hostname": C, "rpo": 0.5}))
    # refused before anything changes (by the module's option bounds or the provider: 5 or 15 minutes)
    assert refused["failed"] and "extended_replica.rpo" in refused["msg"] and "hv-web-01" not in hv.vms(B), refused

    first = hv.module("replica_enable", args)
    assert first["changed"] and not first["failed"], first
    assert first["vms"][0]["extended"]["pending"] is True
    assert any("extended replication of 'hv-web-01' starts" in w for w in first.get("warnings", [])), first
    hv.advance(120)
    checked = hv.module("replica_enable", args, check=True)
    assert checked["changed"] and "hv-web-01" not in hv.vms(C), checked
    second = hv.module("replica_enable", args)
    assert second["changed"] and not second["failed"], second
    assert second["vms"][0]["extended"] == {"replica_server": C, "replication_state": "InitialReplicationInProgress",
                                            "pending": False}, second
    hv.advance(120)
    assert hv.replication(C, "hv-web-01") == {"mode": "ExtendedReplica", "state": "Replicating", "frequency": 900,
                                              "history": 0}
    assert hv.replication(B, "hv-web-01")["mode"] == "Replica"
    again = hv.module("replica_enable", args)
    assert again["changed"] is False and again["vms"][0]["extended"]["replication_state"] == "Replicating", again

    elsewhere = hv.module("replica_enable", dict(args, extended_replica={"hostname": A}))
    assert elsewhere["failed"] and "already goes to" in elsewhere["msg"], elsewhere

    removed = hv.module("replica_enable", dict(args, state="absent"))
    assert removed["changed"] and not removed["failed"], removed
    assert hv.replication(B, "hv-web-01") is None and hv.replication(A, "hv-web-01") is None
