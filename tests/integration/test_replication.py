"""replica_enable / replica_sync / replica_info through the real modules against the lab."""
import hashlib

from tests.integration import vcenter

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}}


def flat_extent(path):
    return path.replace(".vmdk", "-flat.vmdk")


def enable_args(vms, **extra):
    args = {"vms": vms, "policy": {"rpo": 15, "recovery_points": 3}, "placement": PLACEMENT, "network_map": LIVE}
    args.update(extra)
    return args


def test_enable_check_mode_changes_nothing_then_enable_is_idempotent(lab, site_a, site_b):
    args = enable_args(["app-web-02"])
    checked = lab.module("replica_enable", args, check=True, diff=True)
    assert checked["changed"] is True, checked
    assert checked["diff"]["after"]["app-web-02"]["policy"]["rpo"] == 15
    assert vcenter.record(vcenter.one(site_a, "app-web-02")) is None
    assert "app-web-02" not in vcenter.vms(site_b)

    first = lab.module("replica_enable", args, diff=True)
    assert first["changed"] is True, first
    assert first["diff"]["before"]["app-web-02"] is None
    replica = vcenter.one(site_b, "app-web-02")
    assert replica["runtime.powerState"] == "poweredOff"
    assert vcenter.network_names(replica) == ["dr-web"]
    rec = vcenter.record(replica)
    assert rec["role"] == "replica" and len(rec["generations"]) == 1
    assert rec["nics"][0]["ip"] == "10.10.1.12" and rec["nics"][0]["network"] == "prod-web"
    assert vcenter.record(vcenter.one(site_a, "app-web-02"))["pair"] == rec["pair"]

    second = lab.module("replica_enable", args)
    assert second["changed"] is False, second

    paused = lab.module("replica_enable", {"vms": ["app-web-02"], "state": "paused"}, diff=True)
    assert paused["changed"] is True
    assert paused["diff"]["after"]["app-web-02"]["state"] == "paused"
    assert paused["diff"]["after"]["app-web-02"]["policy"]["rpo"] == 15
    refused = lab.module("replica_sync", {"vms": ["app-web-02"], "force": True})
    assert refused["failed"] and "paused" in refused["msg"] and "app-web-02" in refused["msg"]
    assert lab.module("replica_enable", {"vms": ["app-web-02"]})["changed"] is True


def test_copy_engine_moves_the_real_bytes(lab, site_a, site_b):
    result = lab.module("replica_enable", enable_args(["bulk-0001"]))
    assert result["changed"] and not result["failed"], result
    rec = vcenter.record(vcenter.one(site_b, "bulk-0001"))
    [disk] = rec["generations"][-1]["disks"]
    source = vcenter.one(site_a, "bulk-0001", paths=("name", "config.hardware.device", "config.extraConfig"))
    [src_disk] = [d for d in source["config.hardware.device"] if hasattr(d, "capacityInKB")]
    sa, sb = lab.state["sites"]["site-a"], lab.state["sites"]["site-b"]
    status_a, data_a = vcenter.read_file(sa, lab.state["ca_file"], site_a, flat_extent(src_disk.backing.fileName), "dc-a")
    status_b, data_b = vcenter.read_file(sb, lab.state["ca_file"], site_b, flat_extent(disk["file"]), "dc-b")
    assert status_a == 200 and status_b == 200
    assert len(data_a) > 4096 and data_a.startswith(b"VMDRLAB1")
    assert hashlib.sha256(data_a).hexdigest() == hashlib.sha256(data_b).hexdigest()


def test_sync_only_when_needed_and_keeps_recovery_points(lab, site_a, site_b):
    lab.module("replica_enable", enable_args(["bulk-0003"], policy={"rpo": 15, "recovery_points": 2}))
    quiet = lab.module("replica_sync", {"vms": ["bulk-0003"]})
    assert quiet["changed"] is False, quiet
    checked = lab.module("replica_sync", {"vms": ["bulk-0003"], "force": True}, check=True)
    assert checked["changed"] is True
    assert len(vcenter.record(vcenter.one(site_b, "bulk-0003"))["generations"]) == 1
    first = vcenter.record(vcenter.one(site_b, "bulk-0003"))["generations"][0]
    for _round in range(2):
        synced = lab.module("replica_sync", {"vms": ["bulk-0003"], "force": True})
        assert synced["changed"] and synced["vms"][0]["recovery_point"]["id"]
    gens = vcenter.record(vcenter.one(site_b, "bulk-0003"))["generations"]
    assert len(gens) == 2 and first["id"] not in [g["id"] for g in gens]
    sb = lab.state["sites"]["site-b"]
    kept_status, _kept = vcenter.read_file(sb, lab.state["ca_file"], site_b, gens[0]["disks"][0]["file"], "dc-b")
    assert kept_status == 200
    pruned_status, _pruned = vcenter.read_file(sb, lab.state["ca_file"], site_b, first["disks"][0]["file"], "dc-b")
    assert pruned_status == 404
    # no sync snapshot is left on the source
    source = vcenter.one(site_a, "bulk-0003", paths=("name", "snapshot", "config.extraConfig"))
    assert source.get("snapshot") is None or not source["snapshot"].rootSnapshotList

    info = lab.module("replica_info", {"vms": ["bulk-0003"]})
    [row] = info["replications"]
    assert info["changed"] is False
    assert row["rpo_compliant"] is True and row["health"] == "ok" and len(row["recovery_points"]) == 2
    assert row["recovery_points"][0]["time"] >= row["recovery_points"][1]["time"]


def test_bad_input_is_refused_before_anything_changes(lab, site_a, site_b):
    cases = [
        (enable_args(["no-such-vm"]), "no-such-vm"),
        (enable_args(["a'; Remove-VM *; '"]), "a'; Remove-VM *; '"),
        (enable_args(["bulk-0008"], policy={"rpo": 2}), "out of range"),
        (enable_args(["bulk-0008"], network_map={"live": {"prod-web": "dr-web"}}), "prod-db"),
        (enable_args(["bulk-0008"], network_map={"live": {"prod-db": "no-such-net"}}), "no-such-net"),
        (enable_args(["bulk-0008"], placement={"datastore": "nope"}), "nope"),
    ]
    for args, text in cases:
        result = lab.module("replica_enable", args)
        assert result["failed"] is True, (args, result)
        assert text in result["msg"], (text, result["msg"])
        assert "step" in result["msg"]
    assert vcenter.record(vcenter.one(site_a, "bulk-0008")) is None
    assert "bulk-0008" not in vcenter.vms(site_b)
    reip = lab.module("reip", {"vms": ["bulk-0001"], "rules": [{"source": "10.110.0.0/16", "target": "10.300.0.0/16"}]})
    assert reip["failed"] and "not a valid subnet" in reip["msg"]


def test_tls_is_verified_by_default(lab):
    env_args = {"vms": ["app-web-01"], "source": {"ca_path": "/etc/ssl/certs/ca-certificates.crt"}}
    result = lab.module("replica_info", env_args)
    assert result["failed"] and "TLS" in result["msg"] and "ca_path" in result["msg"]


def test_sync_refuses_vms_with_their_own_snapshots_and_clears_leftover_sync_snapshots(lab, site_a, site_b):
    name = "bulk-0015"
    assert not lab.module("replica_enable", enable_args([name]))["failed"]
    source = vcenter.one(site_a, name)["obj"]
    assert vcenter.wait_task(source.CreateSnapshot_Task(name="vmdr-sync-20260101T000000Z", description="left over",
                                                        memory=False, quiesce=False)) == "success"
    synced = lab.module("replica_sync", {"vms": [name], "force": True})
    assert synced["changed"] and not synced["failed"], synced
    after = vcenter.one(site_a, name, paths=("name", "snapshot", "config.extraConfig"))
    assert after.get("snapshot") is None or not after["snapshot"].rootSnapshotList

    assert vcenter.wait_task(source.CreateSnapshot_Task(name="before-patching", description="admin's own",
                                                        memory=False, quiesce=False)) == "success"
    refused = lab.module("replica_sync", {"vms": [name], "force": True})
    assert refused["failed"], refused
    [vm] = refused["vms"]
    assert "before-patching" in vm["error"]["message"] and vm["error"]["step"] == "check source snapshots"
    assert vm["error"]["site"] == "site-a" and "consolidate" in vm["error"]["hint"]
    kept = vcenter.one(site_a, name, paths=("name", "snapshot", "config.extraConfig"))
    assert [t.name for t in kept["snapshot"].rootSnapshotList] == ["before-patching"]
