# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config specs for replica and test VMs: same hardware as the source, disks from a recovery point,
NICs on the networks the map chose."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    from pyVmomi import vim
except ImportError:
    pass

HARDWARE_PATHS = ["config.hardware.numCPU", "config.hardware.numCoresPerSocket", "config.hardware.memoryMB",
                  "config.guestId", "config.firmware", "config.hardware.device", "guest.net", "guest.hostName",
                  "guest.guestFamily"]
# Guest settings a real replication carries with the VMX; vmdr.* records are written separately.
CARRIED_EXTRA_PREFIXES = ("guestinfo.",)


def hardware_summary(props):
    return {"num_cpu": props.get("config.hardware.numCPU"),
            "cores_per_socket": props.get("config.hardware.numCoresPerSocket"),
            "memory_mb": props.get("config.hardware.memoryMB"),
            "guest_id": props.get("config.guestId"),
            "firmware": props.get("config.firmware")}


def disks_of(devices):
    """[{key, controller_key, controller_type, bus, unit, capacity_kb, file}] for every disk."""
    by_key = dict((d.key, d) for d in devices or [])
    disks = []
    for dev in devices or []:
        if not isinstance(dev, vim.vm.device.VirtualDisk):
            continue
        ctrl = by_key.get(dev.controllerKey)
        disks.append({"key": dev.key, "controller_key": dev.controllerKey,
                      "controller_type": type(ctrl).__name__.split(".")[-1] if ctrl is not None else None,
                      "bus": getattr(ctrl, "busNumber", 0), "unit": dev.unitNumber,
                      "capacity_kb": dev.capacityInKB, "file": getattr(dev.backing, "fileName", None),
                      "thin": bool(getattr(dev.backing, "thinProvisioned", False))})
    return sorted(disks, key=lambda d: d["key"])


def nics_of(devices):
    """[{index, key, type, network_key}] in device order; index is what re-IP and NIC overrides use."""
    nics = []
    for dev in devices or []:
        if isinstance(dev, vim.vm.device.VirtualEthernetCard):
            nics.append({"key": dev.key, "type": type(dev).__name__.split(".")[-1], "mac": dev.macAddress,
                         "backing": dev.backing})
    nics.sort(key=lambda n: n["key"])
    for index, nic in enumerate(nics):
        nic["index"] = index
    return nics


def network_name_of_backing(backing, networks_by_key):
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        return backing.deviceName
    port = getattr(backing, "port", None)
    if port is not None:
        return networks_by_key.get(port.portgroupKey, port.portgroupKey)
    return None


def nic_backing(net, name):
    if net["kind"] == "distributed":
        backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo()
        backing.port = vim.dvs.PortConnection(switchUuid=net["switch_uuid"], portgroupKey=net["key"])
        return backing
    backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo()
    backing.deviceName = name
    backing.network = net["obj"]
    return backing


def backing_matches(backing, net, name):
    if net["kind"] == "distributed":
        port = getattr(backing, "port", None)
        return port is not None and port.portgroupKey == net["key"]
    return isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo) and backing.deviceName == name


def _controller(ctype, key, bus):
    cls = getattr(vim.vm.device, ctype, None) if ctype else None
    if cls is None or not issubclass(cls, vim.vm.device.VirtualController):
        cls = vim.vm.device.ParaVirtualSCSIController
    ctrl = cls(key=key, busNumber=bus)
    if issubclass(cls, vim.vm.device.VirtualSCSIController):
        ctrl.sharedBus = vim.vm.device.VirtualSCSIController.Sharing.noSharing
    return ctrl


def disk_changes(disks, files, existing=None, parents=None):
    """Device changes attaching ``files`` ({source disk key: datastore path}) to a VM.

    ``existing``: the VM's current disks (disks_of) to detach first; detaching never deletes files.
    ``parents``: {source disk key: datastore path}: each file is then created as a new child disk of that parent
    (a linked clone: writes go to the child, the parent is never written).
    """
    changes = []
    ctrl_keys = {}
    next_key = [-100]

    def new_key():
        next_key[0] -= 1
        return next_key[0]

    for disk in existing or []:
        changes.append(vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.remove,
            device=vim.vm.device.VirtualDisk(key=disk["key"], controllerKey=disk["controller_key"],
                                             unitNumber=disk["unit"], capacityInKB=disk["capacity_kb"])))
    existing_ctrls = dict(((d["controller_type"], d["bus"]), d["controller_key"]) for d in existing or [])
    for disk in disks:
        ident = (disk["controller_type"], disk["bus"])
        if ident not in ctrl_keys:
            if ident in existing_ctrls:
                ctrl_keys[ident] = existing_ctrls[ident]
            elif disk["controller_type"] == "VirtualIDEController":
                ctrl_keys[ident] = 200 + disk["bus"]
            else:
                key = new_key()
                changes.append(vim.vm.device.VirtualDeviceSpec(
                    operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
                    device=_controller(disk["controller_type"], key, disk["bus"])))
                ctrl_keys[ident] = key
        backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName=files[disk["key"]], diskMode="persistent", thinProvisioned=disk.get("thin", False))
        spec = vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
            device=vim.vm.device.VirtualDisk(key=new_key(), controllerKey=ctrl_keys[ident], unitNumber=disk["unit"],
                                             capacityInKB=disk["capacity_kb"], backing=backing))
        if parents and disk["key"] in parents:
            backing.parent = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName=parents[disk["key"]],
                                                                           diskMode="persistent")
            spec.fileOperation = vim.vm.device.VirtualDeviceSpec.FileOperation.create
        changes.append(spec)
    return changes


def nic_add_changes(nics, targets):
    """``targets``: {nic index: (network name, net info)}."""
    changes = []
    for nic in nics:
        name, net = targets[nic["index"]]
        cls = getattr(vim.vm.device, nic["type"], vim.vm.device.VirtualVmxnet3)
        connect = vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, allowGuestControl=True,
                                                          connected=False)
        dev = cls(key=-200 - nic["index"], backing=nic_backing(net, name), addressType="generated",
                  connectable=connect)
        changes.append(vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.add,
                                                       device=dev))
    return changes


def nic_edit_change(device, net, name):
    device.backing = nic_backing(net, name)
    return vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=device)


def create_spec(name, hardware, datastore, device_changes, extra):
    return vim.vm.ConfigSpec(
        name=name, numCPUs=hardware.get("num_cpu"), numCoresPerSocket=hardware.get("cores_per_socket"),
        memoryMB=hardware.get("memory_mb"), guestId=hardware.get("guest_id"),
        firmware=hardware.get("firmware"), files=vim.vm.FileInfo(vmPathName="[%s]" % datastore),
        deviceChange=device_changes, extraConfig=[vim.option.OptionValue(key=k, value=v)
                                                  for k, v in sorted(extra.items())])
