"""The vSphere data path, byte for byte: every kept recovery point equals the source as its snapshot froze it, also
while the guest writes during the sync; test copies are linked clones of the chosen point; a promoted VM holds the
chosen point; a failed or short transfer is never a recovery point; disks the copy engine cannot copy are refused
before any snapshot.

The lab's guest writer (lab/vsphere/writer.py) writes self-identifying blocks (block, generation, sequence) and learns
from the launcher in which epoch each write landed; the launcher's snapshots are redirect-on-write, so the expected
content of a point is computed from the writes alone, independently of the product and of the lab's disk files.
"""
import hashlib

import pytest
from pyVmomi import vim

from lab.vsphere import connect as labconnect, guestdisk, seed, writer as labwriter
from tests.integration import vcenter

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}}
MIB = 1024 * 1024


def add_guest(lab, name, ip):
    spec = {"name": name, "guest_id": "otherLinux64Guest", "nics": [seed._nic("prod-web", ip, "10.10.1.1")]}
    seeder = seed.SiteSeeder("site-a", lab.state["sites"]["site-a"], lab.state["ca_file"])
    try:
        seeder.add_guest(spec)
    finally:
        seeder.close()
    return guestdisk.disk_image(guestdisk.identity(name, spec["nics"]), seed.APP_DISK_BYTES, "vmdrlab:" + name)


def lab_disk(lab, site):
    return labwriter.LabDisk(lab.state["sites"][site], lab.state["ca_file"])


def enable(lab, name, points=3):
    result = lab.module("replica_enable", {"vms": [name], "policy": {"rpo": 15, "recovery_points": points},
                                           "placement": PLACEMENT, "network_map": LIVE})
    assert result["changed"] and not result["failed"], result
    return result


def sync(lab, name):
    result = lab.module("replica_sync", {"vms": [name], "force": True})
    assert result["changed"] and not result["failed"], result
    return result["vms"][0]


def generations(site_b, name):
    return vcenter.record(vcenter.one(site_b, name))["generations"]


def read_point(lab, site_b, disk):
    """The bytes a recovery point's disk holds at the recovery site, extent by extent, and its descriptor."""
    sb, ca = lab.state["sites"]["site-b"], lab.state["ca_file"]
    data = b""
    for extent in disk["extents"]:
        status, content = vcenter.read_file(sb, ca, site_b, extent["file"])
        assert status == 200, extent
        data += content
    status, descriptor = vcenter.read_file(sb, ca, site_b, disk["file"])
    assert status == 200
    return data, descriptor


def test_every_kept_point_is_the_source_at_its_snapshot_even_with_writes_during_the_sync(lab, site_a, site_b):
    name = "dp-web-01"
    base = add_guest(lab, name, "10.10.1.151")
    disk_a = lab_disk(lab, "site-a")
    disk_a.resize(name, 8 * MIB)  # a copy long enough for the writer to write during it
    base += b"\0" * (8 * MIB - len(base))
    guest = labwriter.GuestWriter(disk_a, name, base)
    guest.write_many(gen=0, count=30)
    first = enable(lab, name)["vms"][0]
    assert first["transfer"]["bytes"] > 8 * MIB and first["transfer"]["path"] == "vcenter-folder"
    assert first["stored_bytes"] == 8 * MIB and first["transfer"]["seconds"] >= 0

    guest.write_many(gen=1, count=30)
    for gen in (2, 3, 4):
        if gen == 3:
            guest.write_many(gen=3, count=30)
            sync(lab, name)
            continue
        guest.start(gen=gen)  # the guest keeps writing while the point is taken and copied
        try:
            moved = sync(lab, name)
        finally:
            guest.stop()
        assert moved["transfer"]["bytes"] > 8 * MIB and moved["stored_bytes"] == 8 * MIB

    snapshots = disk_a.snapshots(name)
    kept = generations(site_b, name)
    assert len(kept) == 3
    during = 0
    for gen in kept:
        snap = snapshots["vmdr-sync-" + gen["id"]]
        assert not snap["open"]  # each sync removed its snapshot
        during += snap["writes_while_open"]
        [disk] = gen["disks"]
        data, descriptor = read_point(lab, site_b, disk)
        expected = guest.image_at(snap["epoch"])
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected).hexdigest() == disk["sha256"], gen["id"]
        assert data == expected
        assert b"changeTrackPath" not in descriptor and b'VMFS "%s-flat.vmdk"' % name.encode() in descriptor
        later = [block for epoch, block, _data in guest.log if epoch > snap["epoch"]]
        assert later, "the test must write after every point, or it could not see a leak"
    assert during > 0, "no write landed while a sync snapshot was open"
    # removing each snapshot merged what the guest wrote meanwhile: the source has every write
    assert disk_a.read(name, 0, len(base)) == guest.image_at()

    # a promoted VM holds the chosen (older) point's bytes
    chosen = kept[0]
    source = vcenter.one(site_a, name)
    assert vcenter.wait_task(source["obj"].PowerOffVM_Task()) == "success"
    promoted = lab.module("failover", {"mode": "unplanned", "vms": [{"name": name, "recovery_point": chosen["id"]}],
                                       "network_map": LIVE, "ready_timeout": 60})
    assert promoted["changed"] and not promoted["failed"], promoted
    held = lab_disk(lab, "site-b").read(name, 0, len(base))
    assert held == guest.image_at(snapshots["vmdr-sync-" + chosen["id"]]["epoch"])


def test_a_test_copy_of_a_1_gib_disk_is_a_linked_clone_of_the_chosen_point(lab, site_b):
    name = "dp-big-01"
    base = add_guest(lab, name, "10.10.1.152")
    disk_a, disk_b = lab_disk(lab, "site-a"), lab_disk(lab, "site-b")
    disk_a.resize(name, 1024 * MIB)
    guest = labwriter.GuestWriter(disk_a, name, base)
    guest.write_many(gen=0, count=10)
    enable(lab, name, points=2)
    guest.write_many(gen=1, count=10)
    sync(lab, name)
    older, _newer = generations(site_b, name)
    assert older["disks"][0]["bytes"] == 1024 * MIB
    epoch = disk_a.snapshots(name)["vmdr-sync-" + older["id"]]["epoch"]

    copies_before = disk_b.calls().get("CopyVirtualDisk_Task", 0)
    args = {"mode": "test", "vms": [{"name": name, "recovery_point": older["id"]}],
            "network_map": {"test": "dr-test"}, "ready_timeout": 60, "run_id": "dp-1",
            "reip": {"rules": [{"source": "10.10.1.0/24", "target": "10.199.1.0/24", "gateway": "10.199.1.1"}]}}
    result = lab.module("failover", args)
    assert result["changed"] and not result["failed"], result
    [vm] = result["vms"]
    assert vm["recovery_point"]["id"] == older["id"]
    assert vm["disks"] == {"kind": "linked clone", "copied_bytes": 0, "parents": [older["disks"][0]["file"]]}
    assert disk_b.calls().get("CopyVirtualDisk_Task", 0) == copies_before  # no disk copy at all
    test_vm = vcenter.one(site_b, name + "-test", paths=("name", "config.hardware.device", "guest.ipAddress",
                                                         "config.extraConfig"))
    [dev] = [d for d in test_vm["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualDisk)]
    assert dev.backing.parent.fileName == older["disks"][0]["file"]
    assert test_vm["guest.ipAddress"] == "10.199.1.152"

    # the test VM reads the chosen point; its own writes (the re-IP saved by the guest) go to its child disk only
    seen = disk_b.read(name + "-test", 0, len(base))
    expected = guest.image_at(epoch)
    assert seen[guestdisk.HEADER_SIZE:] == expected[guestdisk.HEADER_SIZE:]
    assert guestdisk.parse_header(seen)["nics"][0]["ip"] == "10.199.1.152"
    assert disk_b.read(name + "-test", 1024 * MIB - 4096, 4096) == b"\0" * 4096
    point, _descriptor = read_point(lab, site_b, older["disks"][0])
    assert hashlib.sha256(point).hexdigest() == older["disks"][0]["sha256"]  # the point was never written

    cleaned = lab.module("failover", {"mode": "cleanup_test", "vms": [name]})
    assert cleaned["changed"] and not cleaned["failed"], cleaned
    assert name + "-test" not in vcenter.vms(site_b)
    point, _descriptor = read_point(lab, site_b, older["disks"][0])
    assert hashlib.sha256(point).hexdigest() == older["disks"][0]["sha256"]
    assert len(generations(site_b, name)) == 2


def _put_site_a(lab, ds_path, data):
    site = lab.state["sites"]["site-a"]
    datastore, path = ds_path[1:].split("] ", 1)
    disk = labwriter.LabDisk(site, lab.state["ca_file"]).http
    r = disk.put("https://%s:%d/folder/%s" % (site["hostname"], site["port"], path), data=data,
                 params={"dcPath": site["datacenter_path"], "dsName": datastore}, timeout=30)
    r.raise_for_status()


def test_a_short_or_missing_extent_never_becomes_a_recovery_point(lab, site_a, site_b):
    name = "dp-gone-01"
    add_guest(lab, name, "10.10.1.153")
    enable(lab, name)
    [before] = generations(site_b, name)
    descriptor = "[LocalDS_0] %s/%s.vmdk" % (name, name)

    # the descriptor declares 2 MiB, the extent holds 1 MiB: a short transfer
    _put_site_a(lab, descriptor, guestdisk.descriptor(name + "-flat.vmdk", 2 * MIB))
    short = lab.module("replica_sync", {"vms": [name], "force": True})
    assert short["failed"], short
    assert "holds 1048576 bytes but the descriptor declares 2097152" in short["vms"][0]["error"]["message"]
    assert generations(site_b, name) == [before]

    # the extent is gone (HTTP 404)
    _put_site_a(lab, descriptor, guestdisk.descriptor(name + "-flat.vmdk", MIB))
    fm = site_a.RetrieveContent().fileManager
    dc = [o for o in vcenter_datacenters(site_a) if o.name == lab.state["sites"]["site-a"]["datacenter"]][0]
    labconnect.wait_task(site_a, fm.DeleteDatastoreFile_Task(name="[LocalDS_0] %s/%s-flat.vmdk" % (name, name),
                                                             datacenter=dc))
    missing = lab.module("replica_sync", {"vms": [name], "force": True})
    assert missing["failed"], missing
    assert "missing on the source datastore (HTTP 404)" in missing["vms"][0]["error"]["message"]
    assert generations(site_b, name) == [before]
    # neither failed sync left a generation folder behind, and no sync snapshot stayed
    root = before["root"].rsplit("/", 1)[0]
    for gen_id in sorted(s[len("vmdr-sync-"):] for s in lab_disk(lab, "site-a").snapshots(name))[1:]:
        status, _content = vcenter.read_file(lab.state["sites"]["site-b"], lab.state["ca_file"], site_b,
                                             "%s/%s/%s/%s.vmdk" % (root, gen_id, before["disks"][0]["key"], name))
        assert status == 404, gen_id
    assert not any(s["open"] for s in lab_disk(lab, "site-a").snapshots(name).values())


def vcenter_datacenters(si):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datacenter], True)
    try:
        return list(view.view)
    finally:
        view.DestroyView()


@pytest.mark.parametrize("mode", ["independent_persistent"])
def test_a_disk_the_engine_cannot_copy_is_refused_before_any_snapshot(lab, site_a, site_b, mode):
    name = "dp-indep-01"
    add_guest(lab, name, "10.10.1.154")
    vm = vcenter.one(site_a, name, paths=("name", "config.hardware.device"))
    [first] = [d for d in vm["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualDisk)]
    extra = vim.vm.device.VirtualDisk(
        key=-1, controllerKey=first.controllerKey, unitNumber=1, capacityInKB=1024,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName="[LocalDS_0] %s/%s_1.vmdk" % (name, name), diskMode=mode, thinProvisioned=True))
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create",
                                                                           device=extra)])
    assert vcenter.wait_task(vm["obj"].ReconfigVM_Task(spec=spec)) == "success"
    result = lab.module("replica_enable", {"vms": [name], "placement": PLACEMENT, "network_map": LIVE})
    assert result["failed"], result
    assert "[LocalDS_0] %s/%s_1.vmdk" % (name, name) in result["msg"] and mode in result["msg"], result["msg"]
    assert "Dependent" in result["msg"]
    assert lab_disk(lab, "site-a").snapshots(name) == {}  # refused before any snapshot
    assert name not in vcenter.vms(site_b)
