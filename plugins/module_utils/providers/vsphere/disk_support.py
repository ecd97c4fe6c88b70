# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which source disks the copy engine can copy faithfully, decided before any snapshot.

The copy engine freezes a VM with a snapshot and copies the frozen flat data file of each disk over the datastore
HTTP interface. That is faithful only for dependent, unencrypted, flat (thin or thick) disks that are files on a
VMFS or NFS datastore and are no child of another disk. Every other disk is an input problem of its VM: the call is
refused before anything changes, and the problem names the disk, its backing and what to do.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects

try:
    from pyVmomi import vim
except ImportError:
    pass

STEP = "check source disks"
# datastores whose disks are objects, not files with a -flat extent
OBJECT_STORES = {"vsan": "vSAN", "vsand": "vSAN direct", "vvol": "vVols", "pmem": "persistent memory"}
SNAPSHOT_FROZEN_MODES = ("persistent",)
HINT_MOVE = "Storage vMotion the VM to a VMFS or NFS datastore, or protect it with vSphere Replication"


def snapshot_count(snapshot_info):
    trees, count = list(getattr(snapshot_info, "rootSnapshotList", None) or []), 0
    while trees:
        tree = trees.pop()
        count += 1
        trees.extend(tree.childSnapshotList or [])
    return count


def _chain(backing):
    layers = []
    while backing is not None:
        layers.append(backing)
        backing = getattr(backing, "parent", None)
    return layers


def _kind(backing):
    return type(backing).__name__.split(".")[-1]


def disk_problem(disk, snapshots, datastore_types):
    """(what, hint) when ``disk`` (a vim.vm.device.VirtualDisk) cannot be copied faithfully, else None.

    ``snapshots``: how many snapshots the VM has (each adds one delta layer to the chain);
    ``datastore_types``: {datastore moid: summary.type}."""
    backing = disk.backing
    layers = _chain(backing)
    base = layers[-1]
    if isinstance(base, vim.vm.device.VirtualDisk.RawDiskMappingVer1BackingInfo):
        return ("a raw device mapping (%s compatibility, LUN %s): its data is on a LUN, not in a file"
                % (getattr(base, "compatibilityMode", None) or "unknown", getattr(base, "lunUuid", None) or "?"),
                "Migrate the RDM to a virtual disk (Storage vMotion with a disk format change), or protect the VM "
                "with vSphere Replication")
    if not isinstance(base, vim.vm.device.VirtualDisk.FlatVer2BackingInfo):
        return ("a %s disk, not a flat (thin or thick) disk" % _kind(base),
                "Clone or migrate the disk to a thin or thick provisioned flat disk")
    mode = getattr(backing, "diskMode", None) or "persistent"
    if mode not in SNAPSHOT_FROZEN_MODES:
        return ("an %s disk: a snapshot does not freeze it, so a copy would read a disk that is still written"
                % mode if mode.startswith("independent") else
                "a disk in mode %s: a snapshot does not freeze it" % mode,
                "Change the disk mode to Dependent (persistent) with the VM powered off")
    key = getattr(backing, "keyId", None)
    if key is not None:
        provider = getattr(getattr(key, "providerId", None), "id", None)
        return ("an encrypted disk (key provider %s): its copy is unreadable without the same keys" % (provider or "?"),
                "Decrypt the disk, or protect the VM with vSphere Replication with the same key provider at both "
                "sites")
    datastore = getattr(backing, "datastore", None)
    kind = (datastore_types.get(datastore._moId) or "") if datastore is not None else ""
    if kind.lower() in OBJECT_STORES or getattr(backing, "backingObjectId", None):
        return ("on a %s datastore: the disk is an object there, with no -flat file to copy"
                % OBJECT_STORES.get(kind.lower(), kind or "object"), HINT_MOVE)
    if len(layers) - 1 > snapshots:
        return ("a child disk of %s (a linked clone): its data is only complete with that parent"
                % base.fileName, "Clone the VM to a full (not linked) clone, or consolidate its disks")
    return None


def problems_of(site, records):
    """[InputError] for every disk of ``records`` ({label: VmRecord with config.hardware.device and snapshot read})
    that the copy engine cannot copy faithfully; one bulk read of the datastores' types."""
    stores = {}
    for rec in records.values():
        for dev in rec.props.get("config.hardware.device") or []:
            store = getattr(getattr(dev, "backing", None), "datastore", None)
            if isinstance(dev, vim.vm.device.VirtualDisk) and store is not None:
                stores[store._moId] = store
    types = dict((obj._moId, props.get("summary.type")) for obj, props in
                 retrieve_objects(site.si, stores.values(), ["summary.type"], obj_type=vim.Datastore))
    errors = []
    for label in sorted(records):
        rec = records[label]
        snapshots = snapshot_count(rec.props.get("snapshot"))
        for dev in rec.props.get("config.hardware.device") or []:
            if not isinstance(dev, vim.vm.device.VirtualDisk):
                continue
            found = disk_problem(dev, snapshots, types)
            if found is None:
                continue
            device = getattr(getattr(dev, "deviceInfo", None), "label", None) or "disk %s" % dev.key
            what, hint = found
            errors.append(InputError("%s (%s) is %s; the copy engine cannot copy it faithfully"
                                     % (device, getattr(dev.backing, "fileName", None) or _kind(dev.backing), what),
                                     vm=label, site=site.name, step=STEP, hint=hint))
    return errors
