# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device and config specs for replica and test VMs, built from real pyVmomi device objects."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import vm_spec

DEV = vim.vm.device
OP = DEV.VirtualDeviceSpec.Operation
DVS_UUID = "50 2a 11 22 33 44 55 66-77 88 99 aa bb cc dd ee"


def flat(name, thin=False):
    return DEV.VirtualDisk.FlatVer2BackingInfo(fileName=name, diskMode="persistent", thinProvisioned=thin)


def standard_backing(name):
    return DEV.VirtualEthernetCard.NetworkBackingInfo(deviceName=name)


def dvs_backing(key):
    return DEV.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
        port=vim.dvs.PortConnection(switchUuid=DVS_UUID, portgroupKey=key))


def source_devices():
    return [
        DEV.VirtualIDEController(key=201, busNumber=1),
        DEV.ParaVirtualSCSIController(key=1000, busNumber=0),
        DEV.VirtualLsiLogicController(key=1001, busNumber=1),
        DEV.VirtualE1000(key=4001, macAddress="00:50:56:00:00:02", backing=dvs_backing("dvportgroup-9")),
        DEV.VirtualDisk(key=2001, controllerKey=1000, unitNumber=1, capacityInKB=2048, backing=flat("[ds1] vm/vm_1.vmdk")),
        DEV.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInKB=1024,
                        backing=flat("[ds1] vm/vm.vmdk", thin=True)),
        DEV.VirtualDisk(key=3000, controllerKey=201, unitNumber=0, capacityInKB=512, backing=flat("[ds1] vm/ide.vmdk")),
        DEV.VirtualDisk(key=2016, controllerKey=1001, unitNumber=0, capacityInKB=4096, backing=flat("[ds1] vm/lsi.vmdk")),
        DEV.VirtualVmxnet3(key=4000, macAddress="00:50:56:00:00:01", backing=standard_backing("VM Network")),
        DEV.VirtualCdrom(key=3002, controllerKey=201, unitNumber=1),
    ]


def test_disks_of_reports_controller_bus_and_backing():
    disks = vm_spec.disks_of(source_devices())
    assert [d["key"] for d in disks] == [2000, 2001, 2016, 3000]
    assert disks[0] == {"key": 2000, "controller_key": 1000, "controller_type": "ParaVirtualSCSIController", "bus": 0,
                        "unit": 0, "capacity_kb": 1024, "file": "[ds1] vm/vm.vmdk", "thin": True}
    assert (disks[2]["controller_type"], disks[2]["bus"], disks[2]["thin"]) == ("VirtualLsiLogicController", 1, False)
    assert (disks[3]["controller_type"], disks[3]["bus"], disks[3]["file"]) == ("VirtualIDEController", 1, "[ds1] vm/ide.vmdk")
    assert vm_spec.disks_of(None) == []


def test_disks_of_without_controller():
    disks = vm_spec.disks_of([DEV.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInKB=1)])
    assert (disks[0]["controller_type"], disks[0]["bus"], disks[0]["file"]) == (None, 0, None)


def test_nics_of_orders_by_key_and_indexes():
    nics = vm_spec.nics_of(source_devices())
    assert [(n["index"], n["key"], n["type"], n["mac"]) for n in nics] == [
        (0, 4000, "VirtualVmxnet3", "00:50:56:00:00:01"), (1, 4001, "VirtualE1000", "00:50:56:00:00:02")]
    assert nics[0]["backing"].deviceName == "VM Network"
    assert vm_spec.nics_of([]) == []


def adds(changes):
    return [c.device for c in changes if c.operation == OP.add]


def test_disk_changes_without_existing_builds_controllers_and_disks():
    disks = vm_spec.disks_of(source_devices())
    files = dict((d["key"], "[ds2] vmdr/g1/%d/disk.vmdk" % d["key"]) for d in disks)
    changes = vm_spec.disk_changes(disks, files)

    assert all(c.operation == OP.add for c in changes)
    devices = adds(changes)
    controllers = [d for d in devices if isinstance(d, DEV.VirtualController)]
    new_disks = [d for d in devices if isinstance(d, DEV.VirtualDisk)]
    # one new SCSI controller per (type, bus); IDE controllers exist on every VM and are never added
    assert [type(c) for c in controllers] == [DEV.ParaVirtualSCSIController, DEV.VirtualLsiLogicController]
    assert [c.busNumber for c in controllers] == [0, 1]
    assert all(c.key < 0 for c in controllers)
    assert all(c.sharedBus == DEV.VirtualSCSIController.Sharing.noSharing for c in controllers)
    pvscsi, lsi = controllers
    assert [(d.controllerKey, d.unitNumber, d.capacityInKB) for d in new_disks] == [
        (pvscsi.key, 0, 1024), (pvscsi.key, 1, 2048), (lsi.key, 0, 4096), (201, 0, 512)]
    assert [d.backing.fileName for d in new_disks] == [files[2000], files[2001], files[2016], files[3000]]
    assert [d.backing.thinProvisioned for d in new_disks] == [True, False, False, False]
    assert all(d.backing.diskMode == "persistent" for d in new_disks)
    keys = [d.key for d in devices]
    assert all(k < 0 for k in keys) and len(set(keys)) == len(keys)
    # a controller is added before the disks that use it
    assert changes.index(next(c for c in changes if c.device is pvscsi)) < changes.index(
        next(c for c in changes if c.device is new_disks[0]))


def test_disk_changes_ide_key_is_200_plus_bus():
    disks = [{"key": 3000, "controller_type": "VirtualIDEController", "bus": 0, "unit": 1, "capacity_kb": 8},
             {"key": 3001, "controller_type": "VirtualIDEController", "bus": 1, "unit": 0, "capacity_kb": 8}]
    changes = vm_spec.disk_changes(disks, {3000: "[ds] a.vmdk", 3001: "[ds] b.vmdk"})
    assert [(type(c.device), c.device.controllerKey) for c in changes] == [(DEV.VirtualDisk, 200), (DEV.VirtualDisk, 201)]


def test_disk_changes_detaches_existing_and_reuses_their_controllers():
    replica_devices = [
        DEV.ParaVirtualSCSIController(key=1000, busNumber=0),
        DEV.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInKB=1024, backing=flat("[ds2] old/vm.vmdk")),
        DEV.VirtualDisk(key=2001, controllerKey=1000, unitNumber=1, capacityInKB=2048, backing=flat("[ds2] old/vm_1.vmdk")),
    ]
    existing = vm_spec.disks_of(replica_devices)
    wanted = [d for d in vm_spec.disks_of(source_devices()) if d["controller_type"] == "ParaVirtualSCSIController"]
    wanted.append({"key": 2100, "controller_type": "ParaVirtualSCSIController", "bus": 2, "unit": 0, "capacity_kb": 64})
    files = {2000: "[ds2] g2/a.vmdk", 2001: "[ds2] g2/b.vmdk", 2100: "[ds2] g2/c.vmdk"}
    changes = vm_spec.disk_changes(wanted, files, existing=existing)

    removes = [c for c in changes if c.operation == OP.remove]
    assert changes[:2] == removes
    assert [(c.device.key, c.device.controllerKey, c.device.unitNumber) for c in removes] == [(2000, 1000, 0), (2001, 1000, 1)]
    # detaching never deletes the old files
    assert all(c.fileOperation is None for c in removes)
    devices = adds(changes)
    controllers = [d for d in devices if isinstance(d, DEV.VirtualController)]
    assert [(type(c), c.busNumber) for c in controllers] == [(DEV.ParaVirtualSCSIController, 2)]
    new_disks = [d for d in devices if isinstance(d, DEV.VirtualDisk)]
    assert [(d.controllerKey, d.backing.fileName) for d in new_disks] == [
        (1000, "[ds2] g2/a.vmdk"), (1000, "[ds2] g2/b.vmdk"), (controllers[0].key, "[ds2] g2/c.vmdk")]
    assert controllers[0].key < 0


@pytest.mark.parametrize("ctype, cls", [(None, DEV.ParaVirtualSCSIController), ("NoSuchController", DEV.ParaVirtualSCSIController),
                                        ("VirtualDisk", DEV.ParaVirtualSCSIController), ("VirtualAHCIController", DEV.VirtualAHCIController),
                                        ("VirtualBusLogicController", DEV.VirtualBusLogicController)])
def test_disk_changes_controller_class(ctype, cls):
    changes = vm_spec.disk_changes([{"key": 1, "controller_type": ctype, "bus": 0, "unit": 0, "capacity_kb": 1}], {1: "[d] x.vmdk"})
    ctrl = changes[0].device
    assert isinstance(ctrl, cls)
    assert changes[1].device.controllerKey == ctrl.key
    if issubclass(cls, DEV.VirtualSCSIController):
        assert ctrl.sharedBus == DEV.VirtualSCSIController.Sharing.noSharing


def test_nic_add_changes_standard_and_distributed():
    nics = vm_spec.nics_of(source_devices())
    network = vim.Network("network-12")
    targets = {0: ("dr-web", {"kind": "standard", "key": None, "obj": network}),
               1: ("dr-db", {"kind": "distributed", "key": "dvportgroup-44", "switch_uuid": DVS_UUID})}
    changes = vm_spec.nic_add_changes(nics, targets)

    assert [c.operation for c in changes] == [OP.add, OP.add]
    first, second = [c.device for c in changes]
    assert isinstance(first, DEV.VirtualVmxnet3) and isinstance(second, DEV.VirtualE1000)
    assert (first.key, second.key) == (-200, -201)
    assert isinstance(first.backing, DEV.VirtualEthernetCard.NetworkBackingInfo)
    assert first.backing.deviceName == "dr-web" and first.backing.network is network
    assert isinstance(second.backing, DEV.VirtualEthernetCard.DistributedVirtualPortBackingInfo)
    assert (second.backing.port.portgroupKey, second.backing.port.switchUuid) == ("dvportgroup-44", DVS_UUID)
    for dev in (first, second):
        # a new MAC, connected at power on
        assert dev.addressType == "generated" and dev.macAddress is None
        assert dev.connectable.startConnected is True and dev.connectable.connected is False
        assert dev.connectable.allowGuestControl is True


def test_nic_add_changes_unknown_type_becomes_vmxnet3():
    nic = {"index": 3, "type": "VirtualSomethingNew", "key": 4000}
    changes = vm_spec.nic_add_changes([nic], {3: ("n", {"kind": "standard", "obj": None})})
    assert isinstance(changes[0].device, DEV.VirtualVmxnet3)
    assert changes[0].device.key == -203


def test_backing_matches():
    std = {"kind": "standard", "key": None, "obj": None}
    dvs = {"kind": "distributed", "key": "dvportgroup-9", "switch_uuid": DVS_UUID}
    assert vm_spec.backing_matches(standard_backing("VM Network"), std, "VM Network") is True
    assert vm_spec.backing_matches(standard_backing("VM Network"), std, "DR Network") is False
    assert vm_spec.backing_matches(dvs_backing("dvportgroup-9"), std, "dvportgroup-9") is False
    assert vm_spec.backing_matches(dvs_backing("dvportgroup-9"), dvs, "dr-pg") is True
    assert vm_spec.backing_matches(dvs_backing("dvportgroup-1"), dvs, "dr-pg") is False
    assert vm_spec.backing_matches(standard_backing("dr-pg"), dvs, "dr-pg") is False


def test_network_name_of_backing():
    by_key = {"dvportgroup-9": "prod-db"}
    assert vm_spec.network_name_of_backing(standard_backing("VM Network"), by_key) == "VM Network"
    assert vm_spec.network_name_of_backing(dvs_backing("dvportgroup-9"), by_key) == "prod-db"
    assert vm_spec.network_name_of_backing(dvs_backing("dvportgroup-77"), by_key) == "dvportgroup-77"
    opaque = DEV.VirtualEthernetCard.OpaqueNetworkBackingInfo(opaqueNetworkId="x", opaqueNetworkType="nsx")
    assert vm_spec.network_name_of_backing(opaque, by_key) is None


def test_nic_edit_change_rebinds_the_existing_device():
    device = source_devices()[3]
    change = vm_spec.nic_edit_change(device, {"kind": "standard", "obj": vim.Network("network-3")}, "dr-db")
    assert change.operation == OP.edit
    assert change.device is device
    assert device.key == 4001 and device.macAddress == "00:50:56:00:00:02"
    assert device.backing.deviceName == "dr-db"


def test_hardware_summary_and_create_spec():
    props = {"config.hardware.numCPU": 4, "config.hardware.numCoresPerSocket": 2, "config.hardware.memoryMB": 8192,
             "config.guestId": "ubuntu64Guest", "config.firmware": "efi"}
    hardware = vm_spec.hardware_summary(props)
    assert hardware == {"num_cpu": 4, "cores_per_socket": 2, "memory_mb": 8192, "guest_id": "ubuntu64Guest",
                        "firmware": "efi"}
    changes = vm_spec.nic_add_changes([{"index": 0, "type": "VirtualVmxnet3"}], {0: ("n", {"kind": "standard", "obj": None})})
    spec = vm_spec.create_spec("web-01", hardware, "ds2", changes, {"vmdr.replication": "{}", "guestinfo.a": "1"})
    assert (spec.name, spec.numCPUs, spec.numCoresPerSocket, spec.memoryMB) == ("web-01", 4, 2, 8192)
    assert (spec.guestId, spec.firmware, spec.files.vmPathName) == ("ubuntu64Guest", "efi", "[ds2]")
    assert list(spec.deviceChange) == changes
    assert [(o.key, o.value) for o in spec.extraConfig] == [("guestinfo.a", "1"), ("vmdr.replication", "{}")]
