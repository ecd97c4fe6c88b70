# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disks the copy engine refuses before any snapshot, and the descriptor it copies (no vCenter)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import disk_support
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.vmdk_descriptor import (
    Descriptor, DescriptorError, extent_path)

FLAT = vim.vm.device.VirtualDisk.FlatVer2BackingInfo


def ds(moid):
    return vim.Datastore(moid)


def disk(backing, key=2000, label="Hard disk 1"):
    return vim.vm.device.VirtualDisk(key=key, backing=backing, capacityInKB=1024,
                                     deviceInfo=vim.Description(label=label, summary=""))


def flat(name="[ds1] vm/vm.vmdk", store="ds-1", **kw):
    kw.setdefault("diskMode", "persistent")
    return FLAT(fileName=name, datastore=ds(store), **kw)


TYPES = {"ds-1": "VMFS", "ds-nfs": "NFS41", "ds-vsan": "vsan", "ds-vvol": "VVOL"}


def test_a_dependent_flat_disk_on_vmfs_or_nfs_is_copied():
    assert disk_support.disk_problem(disk(flat()), 0, TYPES) is None
    assert disk_support.disk_problem(disk(flat(store="ds-nfs")), 0, TYPES) is None


def test_a_snapshot_layer_is_fine_but_a_linked_clone_is_not():
    child = flat("[ds1] vm/vm-000001.vmdk", parent=flat())
    assert disk_support.disk_problem(disk(child), 1, TYPES) is None  # the chain is the VM's own snapshot
    what, hint = disk_support.disk_problem(disk(child), 0, TYPES)
    assert "child disk of [ds1] vm/vm.vmdk (a linked clone)" in what and "full" in hint


@pytest.mark.parametrize("backing, expect, hint", [
    (flat(store="ds-vsan"), "vSAN datastore", "Storage vMotion"),
    (flat(store="ds-vvol"), "vVols datastore", "Storage vMotion"),
    (flat(backingObjectId="52f8-obj"), "object", "Storage vMotion"),
    (flat(diskMode="independent_persistent"), "independent_persistent disk: a snapshot does not freeze it",
     "Dependent"),
    (flat(diskMode="independent_nonpersistent"), "independent_nonpersistent", "Dependent"),
    (flat(keyId=vim.encryption.CryptoKeyId(keyId="k1", providerId=vim.encryption.KeyProviderId(id="kms-a"))),
     "encrypted disk (key provider kms-a)", "Decrypt"),
    (vim.vm.device.VirtualDisk.RawDiskMappingVer1BackingInfo(
        fileName="[ds1] vm/vm.vmdk", lunUuid="0200", compatibilityMode="physicalMode", diskMode="persistent"),
     "raw device mapping (physicalMode compatibility, LUN 0200)", "RDM"),
    (vim.vm.device.VirtualDisk.SeSparseBackingInfo(fileName="[ds1] vm/vm.vmdk", diskMode="persistent"),
     "SeSparseBackingInfo disk", "flat disk"),
    (vim.vm.device.VirtualDisk.SeSparseBackingInfo(
        fileName="[ds1] c/c.vmdk", diskMode="persistent",
        parent=vim.vm.device.VirtualDisk.SeSparseBackingInfo(fileName="[ds1] b/b.vmdk", diskMode="persistent")),
     "SeSparseBackingInfo disk", "flat disk"),
])
def test_disks_that_cannot_be_copied_faithfully_are_named_with_what_to_do(backing, expect, hint):
    what, todo = disk_support.disk_problem(disk(backing), 0, TYPES)
    assert expect in what and hint in todo


class FakeRecord(object):
    def __init__(self, name, devices, snapshot=None):
        self.name = name
        self.props = {"config.hardware.device": devices, "snapshot": snapshot}


class FakeSite(object):
    name = "site-a"
    si = object()


def test_problems_name_the_vm_the_disk_its_backing_and_refuse_before_any_snapshot(monkeypatch):
    reads = []

    def retrieve(si, objs, paths, obj_type=None):
        objs = list(objs)
        reads.append((sorted(o._moId for o in objs), paths))
        return [(o, {"summary.type": TYPES[o._moId]}) for o in objs]
    monkeypatch.setattr(disk_support, "retrieve_objects", retrieve)
    good = FakeRecord("web", [disk(flat())])
    bad = FakeRecord("db", [disk(flat("[ds1] db/db.vmdk")),
                            disk(flat("[vsan] db/db_1.vmdk", store="ds-vsan"), key=2001, label="Hard disk 2")])
    errors = disk_support.problems_of(FakeSite(), {"web": good, "db-label": bad})
    assert reads == [(["ds-1", "ds-vsan"], ["summary.type"])]  # one read for every datastore
    [error] = errors
    assert (error.vm, error.site, error.step) == ("db-label", "site-a", "check source disks")
    assert error.message.startswith("Hard disk 2 ([vsan] db/db_1.vmdk) is on a vSAN datastore")
    assert "Storage vMotion" in error.hint


DESCRIPTOR = b'''# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fffffffe
parentCID=ffffffff
createType="vmfs"
changeTrackPath="web-ctk.vmdk"

# Extent description
RW 2048 VMFS "web-flat.vmdk"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.uuid = "60 00 C2 9a"
'''


def test_the_descriptor_names_the_extent_and_its_copy_drops_change_tracking():
    desc = Descriptor.parse(DESCRIPTOR)
    [extent] = desc.data_extents()
    assert (extent.access, extent.sectors, extent.kind, extent.file, extent.size) == (
        "RW", 2048, "VMFS", "web-flat.vmdk", 1048576)
    assert extent_path("ds1", "vm dir/web.vmdk", extent) == "[ds1] vm dir/web-flat.vmdk"
    copied = desc.for_copy().decode()
    assert "changeTrackPath" not in copied and "ctk" not in copied
    assert 'RW 2048 VMFS "web-flat.vmdk"' in copied and 'ddb.uuid = "60 00 C2 9a"' in copied


def test_extents_with_another_directory_are_copied_beside_the_descriptor():
    desc = Descriptor.parse(b'createType="twoGbMaxExtentFlat"\nRW 100 FLAT "../data/a-f001.vmdk" 0\n'
                            b'RW 50 ZERO\nRW 100 FLAT "a-f002.vmdk"\n')
    files = desc.data_extents()
    assert [extent_path("ds", "vm/a.vmdk", e) for e in files] == ["[ds] data/a-f001.vmdk", "[ds] vm/a-f002.vmdk"]
    assert b'RW 100 FLAT "a-f001.vmdk"\nRW 50 ZERO\nRW 100 FLAT "a-f002.vmdk"\n' in desc.for_copy()


@pytest.mark.parametrize("text, reason", [
    (b"", "names no extent"),
    (b'RW 2048 VMFS "vsan://52f8a1/obj"\n', "object, not a file"),
    (b'RW 2048 VMFS "vvol://rfc4122.1234/obj"\n', "object, not a file"),
    (b'RW 2048 VMFSRDM "web-rdm.vmdk"\n', "raw device mapping"),
    (b'RW 2048 VMFSRAW "web-rdmp.vmdk"\n', "raw device mapping"),
    (b'RW 2048 SESPARSE "web-sesparse.vmdk"\n', "SEsparse"),
    (b'parentFileNameHint="base.vmdk"\nRW 2048 VMFSSPARSE "web-000001-delta.vmdk"\n', "child of base.vmdk"),
    (b'parentCID=12ab34cd\nRW 2048 VMFS "web-flat.vmdk"\n', "child of another disk"),
    (b"KDMV\x01\x00\x00\x00\x03\x00\x00\x00" + b"\0" * 100, "binary"),
    (b'RW 2048 ZERO\n', "names no data file"),
])
def test_descriptors_the_engine_cannot_copy_say_why(text, reason):
    with pytest.raises(DescriptorError) as caught:
        Descriptor.parse(text).data_extents()
    assert reason in str(caught.value)
