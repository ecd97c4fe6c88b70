# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``copy`` replication engine: pure vSphere API, no extra license.

One sync of a batch: snapshot every source (quiesced if asked) -> read the frozen base disks from
the snapshots -> stream the data extents each descriptor names over the datastore HTTP interface into a
new generation folder at the recovery site, and write the descriptor without change tracking -> remove
each VM's snapshot as soon as its disks are copied -> create the powered-off replica or point it at the
new generation -> record the generation on the replica and drop generations beyond the policy.
Each phase is one batch: tasks run with a concurrency bound, transfers on a bounded pool. A VM whose
transfer fails or is short gets no recovery point, and its partial generation folder is deleted.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import posixpath
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.datastore_http import (
    DatastoreHttp, parse_ds_path)
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import (
    retrieve_objects, service_content)
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, vm_spec
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.vmdk_descriptor import (
    Descriptor, DescriptorError, extent_path)

try:
    from pyVmomi import vim
except ImportError:
    pass

SNAPSHOT_PREFIX = "vmdr-sync-"
DESCRIPTOR_MAX = 64 * 1024  # a text descriptor is a few hundred bytes; more is a binary (sparse) disk
TRANSFER_PATH = "vcenter-folder"  # every byte goes through vCenter's datastore /folder interface


def snapshot_trees(snapshot_info):
    """(names of the VM's own snapshots, sync snapshot trees an earlier run left behind) of a ``snapshot`` value."""
    trees = list(getattr(snapshot_info, "rootSnapshotList", None) or [])
    own, mine = [], []
    while trees:
        tree = trees.pop()
        (mine if tree.name.startswith(SNAPSHOT_PREFIX) else own).append(tree)
        trees.extend(tree.childSnapshotList or [])
    return sorted(t.name for t in own), mine


def own_snapshots_error(names, site_name):
    return VmdrError("the VM has snapshots (%s), so its disks are delta files the copy engine cannot replicate"
                     % ", ".join(names), site=site_name, step="check source snapshots",
                     hint="Delete or consolidate the VM's snapshots, then sync again")


def generation_root(record, name):
    return "vmdr/%s-%s" % (name, record["pair"][:8])


def source_nics(props, networks_by_key):
    """The source's NICs with network and guest addresses, as recorded on the replica at each sync."""
    guest = dict((n.deviceConfigId, n) for n in props.get("guest.net") or [])
    nics = []
    for nic in vm_spec.nics_of(props.get("config.hardware.device")):
        info = guest.get(nic["key"])
        addresses = []
        if info is not None:
            for addr in (info.ipConfig.ipAddress if info.ipConfig else None) or []:
                addresses.append({"ip": addr.ipAddress, "prefix": addr.prefixLength})
            if not addresses:
                addresses = [{"ip": ip, "prefix": None} for ip in info.ipAddress or []]
        ipv4 = [a for a in addresses if ":" not in a["ip"]]
        first = (ipv4 or addresses or [{"ip": None, "prefix": None}])[0]
        nics.append({"index": nic["index"], "key": nic["key"], "type": nic["type"],
                     "network": vm_spec.network_name_of_backing(nic["backing"], networks_by_key),
                     "ip": first["ip"], "prefix": first["prefix"], "addresses": addresses})
    return nics


def make_directory(file_manager, path, datacenter):
    try:
        file_manager.MakeDirectory(name=path, datacenter=datacenter, createParentDirectories=True)
    except vim.fault.FileAlreadyExists:
        pass


def disk_entry(disk, copied):
    """The generation's record of one copied disk: its descriptor, and size and SHA-256 of its data extents."""
    extents = copied["extents"]
    return {"key": disk["key"], "file": copied["file"], "bytes": sum(e["bytes"] for e in extents),
            "sha256": extents[0]["sha256"] if len(extents) == 1 else None,
            "extents": [{"file": e["file"], "bytes": e["bytes"], "sha256": e["sha256"]} for e in extents]}


def transfer_summary(copied):
    """Per-VM transfer result: bytes moved (every extent and descriptor, each through the controller once), the
    seconds from the first byte to the last, the rate, and which path the bytes took."""
    moved = sum(sum(e["bytes"] for e in c["extents"]) + c["descriptor"]["bytes"] for c in copied.values())
    seconds = max(c["ended"] for c in copied.values()) - min(c["started"] for c in copied.values())
    return {"bytes": moved, "seconds": round(seconds, 3),
            "bytes_per_second": int(moved / seconds) if seconds > 0 else None, "path": TRANSFER_PATH}


def copy_disk(src_http, tgt_http, source_file, dst):
    """Copies one frozen disk: its data extents as the descriptor names them, then the descriptor without change
    tracking. Raises VmdrError for a disk that cannot be copied faithfully or a transfer that fails or is short."""
    started = time.time()
    datastore, rel = parse_ds_path(source_file)
    dst_ds, dst_rel = parse_ds_path(dst)
    try:
        descriptor = Descriptor.parse(src_http.read(source_file, max_bytes=DESCRIPTOR_MAX))
        extents = descriptor.data_extents()
        text = descriptor.for_copy()
        sources = [extent_path(datastore, rel, extent) for extent in extents]
    except DescriptorError as exc:
        raise VmdrError("disk %s cannot be copied faithfully: %s" % (source_file, exc), site=src_http.site.name,
                        step="read disk descriptor",
                        hint="Only flat (thin or thick) disks on VMFS or NFS datastores are replicated by the copy "
                             "engine; move or convert the disk, or use vSphere Replication")
    copied = []
    for extent, src_file in zip(extents, sources):
        dst_file = "[%s] %s" % (dst_ds, posixpath.join(posixpath.dirname(dst_rel), posixpath.basename(extent.file)))
        result = src_http.copy_to(src_file, tgt_http, dst_file)
        if result["bytes"] < extent.offset + extent.size:
            raise VmdrError("extent %s holds %d bytes but the descriptor declares %d" % (
                src_file, result["bytes"], extent.offset + extent.size), site=src_http.site.name, step="copy disk",
                hint="The source disk is shorter than its descriptor says; check it, then sync again")
        copied.append(dict(result, file=dst_file))
    written = tgt_http.write(dst, text)
    return {"file": dst, "extents": copied, "descriptor": written, "started": started, "ended": time.time()}


class CopyEngine(object):
    def __init__(self, provider, source, target):
        self.p = provider
        self.source = source
        self.target = target

    def sync(self, batch, items, placement, replica_records):
        """``items``: {label: (source VmRecord with HARDWARE_PATHS, source record)};
        ``replica_records``: {label: replica VmRecord or None}. Marks batch results; returns {label: generation}."""
        started = self.p.inventory(self.source).now()  # the point is timed by the site that holds the data
        gen_id = started.strftime("%Y%m%dT%H%M%SZ")
        src_runner = self.p.runner(self.source)
        tgt_runner = self.p.runner(self.target)
        labels = [label for label in items if not batch[label].failed]
        labels = self._clear_snapshots(batch, items, labels, src_runner)

        snap_jobs = []
        for label in labels:
            src, record = items[label]
            quiesce = bool(record["policy"].get("quiesce")) and src.power_state == "poweredOn"
            snap_jobs.append((label, self._snapshot_job(src.obj, SNAPSHOT_PREFIX + gen_id, quiesce)))
        outcomes = src_runner.run(snap_jobs)
        snapshots = {}
        for label in labels:
            if outcomes[label].ok:
                snapshots[label] = outcomes[label].result
            else:
                batch.fail_outcome(label, outcomes[label], self.source.name, "snapshot source")
        generations = {}
        pending = dict(snapshots)  # removed per VM as soon as its disks are copied
        try:
            frozen = self._frozen_disks(snapshots)
            copied = self._copy(batch, items, frozen, gen_id, placement.datastore,
                                lambda label: self._remove_snapshots(pending, [label], src_runner))
            self._drop_failed_folders(batch, items, [label for label in frozen if label not in copied], gen_id,
                                      placement.datastore)
            generations = self._apply_replicas(batch, items, frozen, copied, gen_id, started, placement,
                                               replica_records, tgt_runner)
        finally:
            self._remove_snapshots(pending, list(pending), src_runner)
        for label, gen in generations.items():
            batch[label].details["transfer"] = transfer_summary(copied[label])
            batch[label].details["stored_bytes"] = sum(d["bytes"] for d in gen["disks"])
        return generations

    def _clear_snapshots(self, batch, items, labels, runner):
        """The sync snapshot must freeze base disks: refuse VMs with snapshots of their own (their disks are
        deltas), and remove sync snapshots a killed earlier run left behind. Returns the labels to sync."""
        if not labels:
            return labels
        rows = retrieve_objects(self.source.si, [items[label][0].obj for label in labels], ["snapshot"],
                                obj_type=vim.VirtualMachine)
        by_moid = dict((items[label][0].moid, label) for label in labels)
        leftovers = []
        for obj, props in rows:
            label = by_moid[obj._moId]
            names, mine = snapshot_trees(props.get("snapshot"))
            if names:
                batch.fail(label, own_snapshots_error(names, self.source.name))
            else:
                leftovers.extend((label, tree.snapshot) for tree in mine)
        jobs = [("%s|%s" % (label, snap._moId), self._remove_job(snap)) for label, snap in leftovers]
        for key, outcome in runner.run(jobs).items():
            if not outcome.ok:
                batch.fail_outcome(key.split("|", 1)[0], outcome, self.source.name, "remove an earlier sync snapshot")
        return [label for label in labels if not batch[label].failed]

    @staticmethod
    def _snapshot_job(vm, name, quiesce):
        return lambda: vm.CreateSnapshot_Task(name=name, description="vmdr.replication recovery point",
                                              memory=False, quiesce=quiesce)

    def _frozen_disks(self, snapshots):
        if not snapshots:
            return {}
        rows = retrieve_objects(self.source.si, snapshots.values(), ["config.hardware.device"],
                                obj_type=vim.vm.Snapshot)
        by_moid = dict((snap._moId, label) for label, snap in snapshots.items())
        return dict((by_moid[o._moId], vm_spec.disks_of(p.get("config.hardware.device"))) for o, p in rows)

    def _copy(self, batch, items, frozen, gen_id, datastore, copied_vm):
        """Streams every frozen disk into the generation folder; ``copied_vm(label)`` runs as soon as the last disk
        of a VM is done (copied or failed), so its snapshot does not wait for the rest of the batch."""
        src_http = DatastoreHttp(self.source, timeout=self.p.options["transfer_timeout"])
        tgt_http = DatastoreHttp(self.target, timeout=self.p.options["transfer_timeout"])
        jobs, remaining = [], {}
        for label, disks in frozen.items():
            record = items[label][1]
            root = generation_root(record, items[label][0].name)
            remaining[label] = len(disks)
            for disk in disks:
                _ds, path = parse_ds_path(disk["file"])
                folder = "%s/%s/%s" % (root, gen_id, disk["key"])
                dst = "[%s] %s/%s" % (datastore, folder, posixpath.basename(path))
                jobs.append((label, disk, folder, dst))
        for label in [label for label, count in remaining.items() if not count]:
            copied_vm(label)
        file_manager = service_content(self.target.si).fileManager

        def transfer(job):
            label, disk, folder, dst = job
            if batch[label].failed:
                return None
            try:
                make_directory(file_manager, "[%s] %s" % (datastore, folder), self.target.datacenter)
                return copy_disk(src_http, tgt_http, disk["file"], dst)
            except Exception as exc:  # pylint: disable=broad-except
                batch.fail(label, self.source.fail(exc, "copy disk %s" % disk["file"]))
                return None

        copied = {}
        try:
            with ThreadPoolExecutor(max_workers=self.p.options["max_concurrent_transfers"]) as pool:
                futures = dict((pool.submit(transfer, job), job) for job in jobs)
                for future in as_completed(futures):
                    label, disk = futures[future][0], futures[future][1]
                    result = future.result()
                    if result is not None:
                        copied.setdefault(label, {})[disk["key"]] = result
                    remaining[label] -= 1
                    if not remaining[label]:
                        copied_vm(label)
        finally:
            src_http.close()
            tgt_http.close()
        return dict((label, disks) for label, disks in copied.items() if not batch[label].failed)

    def _drop_failed_folders(self, batch, items, labels, gen_id, datastore):
        """A VM whose transfer failed gets no recovery point: its partial generation folder is deleted."""
        roots = ["[%s] %s/%s" % (datastore, generation_root(items[label][1], items[label][0].name), gen_id)
                 for label in labels if batch[label].failed]
        self._prune(roots)

    def _apply_replicas(self, batch, items, frozen, copied, gen_id, started, placement, replicas, runner):
        networks = self.p.inventory(self.source).networks()
        by_key = dict((n["key"], name) for name, n in networks.items() if n["key"])
        target_nets = self.p.inventory(self.target).networks()
        jobs = []
        new_records = {}
        replica_hw = self._replica_hardware(replicas)
        for label in list(frozen):
            if batch[label].failed or label not in copied:
                continue
            src, record = items[label]
            disks = frozen[label]
            files = dict((key, value["file"]) for key, value in copied[label].items())
            generation = {"id": gen_id, "time": timeparse.iso(started),
                          "quiesced": bool(record["policy"].get("quiesce")),
                          "disks": [disk_entry(d, copied[label][d["key"]]) for d in disks],
                          "transfer": dict((k, v) for k, v in transfer_summary(copied[label]).items()
                                           if k in ("bytes", "seconds")),
                          "root": "[%s] %s/%s" % (placement.datastore, generation_root(record, src.name),
                                                  gen_id)}
            replica = replicas.get(label)
            old = (replica.record if replica is not None else None) or {}
            nics = source_nics(src.props, by_key)
            new_record = {"role": metadata.ROLE_REPLICA, "pair": record["pair"],
                          "peer_site": self.source.instance_uuid, "peer_name": src.name,
                          "peer_vm": src.instance_uuid, "policy": record["policy"],
                          "generations": (old.get("generations") or []) + [generation], "nics": nics,
                          "hostname": src.props.get("guest.hostName") or src.name,
                          "guest_family": src.props.get("guest.guestFamily"),
                          "test_network": old.get("test_network") or record.get("test_network"),
                          "reip": old.get("reip"),
                          "last_sync": timeparse.iso(started)}
            if old.get("customization"):  # a guest customization still pending on the replica (promote.py)
                new_record["customization"] = old["customization"]
            keep = int(record["policy"].get("recovery_points") or 1)
            new_record["generations"] = new_record["generations"][-keep:]
            new_records[label] = (new_record, old.get("generations") or [])
            extra = dict((k, v) for k, v in src.extra.items() if k.startswith(vm_spec.CARRIED_EXTRA_PREFIXES))
            extra[metadata.REPLICATION_KEY] = metadata.encode(new_record)
            hardware = vm_spec.hardware_summary(src.props)
            if replica is None:
                targets = {}
                for nic in nics:
                    name = record["networks"].get(nic["network"]) or nic["network"]
                    targets[nic["index"]] = (name, target_nets[name])
                nic_list = vm_spec.nics_of(src.props.get("config.hardware.device"))
                changes = vm_spec.disk_changes(disks, files) + vm_spec.nic_add_changes(nic_list, targets)
                spec = vm_spec.create_spec(src.name, hardware, placement.datastore, changes, extra)
                jobs.append((label, self._create_job(placement, spec)))
            else:
                existing = vm_spec.disks_of(replica_hw.get(replica.moid))
                spec = vim.vm.ConfigSpec(
                    numCPUs=hardware["num_cpu"], memoryMB=hardware["memory_mb"],
                    deviceChange=vm_spec.disk_changes(disks, files, existing=existing),
                    extraConfig=[vim.option.OptionValue(key=k, value=v) for k, v in sorted(extra.items())])
                jobs.append((label, self._reconfig_job(replica.obj, spec)))
        outcomes = runner.run(jobs)
        done = {}
        prune = []
        for label, _job in jobs:
            if not outcomes[label].ok:
                batch.fail_outcome(label, outcomes[label], self.target.name, "create or update replica")
                continue
            new_record, old_generations = new_records[label]
            kept = set(g["id"] for g in new_record["generations"])
            prune.extend(g["root"] for g in old_generations if g["id"] not in kept and g.get("root"))
            done[label] = new_record["generations"][-1]
        self._prune(prune)
        return done

    def _replica_hardware(self, replicas):
        present = [r.obj for r in replicas.values() if r is not None]
        rows = retrieve_objects(self.target.si, present, ["config.hardware.device"], obj_type=vim.VirtualMachine)
        return dict((o._moId, p.get("config.hardware.device")) for o, p in rows)

    @staticmethod
    def _create_job(placement, spec):
        return lambda: placement.folder.CreateVM_Task(config=spec, pool=placement.pool, host=placement.host)

    @staticmethod
    def _reconfig_job(vm, spec):
        return lambda: vm.ReconfigVM_Task(spec=spec)

    def _prune(self, roots):
        file_manager = service_content(self.target.si).fileManager
        jobs = [(root, self._delete_job(file_manager, root, self.target.datacenter)) for root in roots]
        for root, outcome in self.p.runner(self.target).run(jobs).items():
            if not outcome.ok and outcome.fault != "FileNotFound":
                self.p.warn("could not remove old recovery point %s at site %s: %s"
                            % (root, self.target.name, outcome.error))

    @staticmethod
    def _delete_job(file_manager, path, datacenter):
        return lambda: file_manager.DeleteDatastoreFile_Task(name=path, datacenter=datacenter)

    def _remove_snapshots(self, pending, labels, runner):
        """Removes the sync snapshots of ``labels`` still in ``pending`` (and takes them out of it)."""
        jobs = [(label, self._remove_job(pending.pop(label))) for label in labels if label in pending]
        for label, outcome in runner.run(jobs).items():
            if not outcome.ok:
                self.p.warn("the sync snapshot (%s...) of VM '%s' at site %s could not be removed: %s; "
                            "remove it by hand" % (SNAPSHOT_PREFIX, label, self.source.name, outcome.error))

    @staticmethod
    def _remove_job(snapshot):
        return lambda: snapshot.RemoveSnapshot_Task(removeChildren=False, consolidate=True)
