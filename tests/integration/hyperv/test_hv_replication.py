"""replica_enable / replica_info / replica_sync with provider=hyperv through real ansible + pywinrm + TLS."""
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
