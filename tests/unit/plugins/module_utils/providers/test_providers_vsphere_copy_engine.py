# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copy engine's order of work with fake sites: each VM's sync snapshot is removed as soon as its own disks are
copied, and a missing extent makes no recovery point (no vCenter)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import threading

from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskOutcome
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import copy_engine

DESCRIPTOR = b'createType="vmfs"\nchangeTrackPath="%s-ctk.vmdk"\nRW 8 VMFS "%s-flat.vmdk"\n'


class Log(object):
    def __init__(self):
        self.items = []
        self.lock = threading.Lock()
        self.removed = dict((name, threading.Event()) for name in ("fast", "slow"))

    def add(self, item):
        with self.lock:
            self.items.append(item)


class FakeSnapshot(object):
    def __init__(self, log, name):
        self.log, self.name, self._moId = log, name, "snap-" + name

    def RemoveSnapshot_Task(self, removeChildren, consolidate):
        self.log.add("remove snapshot " + self.name)
        self.log.removed[self.name].set()


class FakeVm(object):
    def __init__(self, log, name):
        self.log, self.name, self._moId = log, name, "vm-" + name

    def CreateSnapshot_Task(self, **kwargs):
        self.log.add("snapshot " + self.name)
        return FakeSnapshot(self.log, self.name)


class FakeRunner(object):
    def run(self, jobs):
        return dict((key, TaskOutcome(key, True, result=job())) for key, job in jobs)


class FakeInventory(object):
    def now(self):
        return datetime.datetime(2026, 12, 4, 23, 0, 0)


class FakeSite(object):
    def __init__(self, name):
        self.name, self.si, self.datacenter = name, object(), object()

    def fail(self, exc, step):
        return exc if isinstance(exc, VmdrError) else VmdrError(str(exc), site=self.name, step=step)


class FakeProvider(object):
    options = {"transfer_timeout": 30, "max_concurrent_transfers": 4}

    def __init__(self):
        self.warnings = []

    def inventory(self, site):
        return FakeInventory()

    def runner(self, site):
        return FakeRunner()

    def warn(self, message):
        self.warnings.append(message)


class FakeSource(object):
    def __init__(self, log, name):
        self.obj, self.name, self.moid, self.power_state = FakeVm(log, name), name, "vm-" + name, "poweredOn"


def fake_http(log, missing=()):
    class Http(object):
        def __init__(self, site, timeout=60):
            self.site = site

        def read(self, path, max_bytes=None):
            name = path.rsplit("/", 1)[1].split(".")[0]
            return DESCRIPTOR % (name.encode(), name.encode())

        def copy_to(self, src, target, dst):
            if any(m in src for m in missing):
                raise VmdrError("%s is missing on the source datastore (HTTP 404)" % src, step="read source disk")
            if "slow" in src:  # the slow VM's copy lasts until the fast VM's snapshot is gone (or 3 s)
                log.removed["fast"].wait(3)
            log.add("copied " + src)
            return {"bytes": 4096, "sha256": hashlib.sha256(src.encode()).hexdigest()}

        def write(self, path, data):
            log.add("wrote " + path)
            return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

        def close(self):
            pass
    return Http


def setup(monkeypatch, log, missing=()):
    def retrieve(si, objs, paths, obj_type=None):
        objs = list(objs)
        if paths == ["snapshot"]:
            return [(o, {}) for o in objs]
        return [(o, {"config.hardware.device": [vim.vm.device.VirtualDisk(
            key=2000, controllerKey=1000, unitNumber=0, capacityInKB=4,
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                fileName="[ds1] %s/%s.vmdk" % (o.name, o.name), diskMode="persistent"))]}) for o in objs]
    monkeypatch.setattr(copy_engine, "retrieve_objects", retrieve)

    class FileManager(object):
        def DeleteDatastoreFile_Task(self, name, datacenter):
            log.add("delete " + name)
    monkeypatch.setattr(copy_engine, "service_content", lambda si: type("C", (), {"fileManager": FileManager()})())
    monkeypatch.setattr(copy_engine, "make_directory", lambda *args: None)
    monkeypatch.setattr(copy_engine, "DatastoreHttp", fake_http(log, missing))
    applied = {}

    def apply_replicas(self, batch, items, frozen, copied, gen_id, started, placement, replicas, runner):
        applied.update((label, copied[label]) for label in copied if not batch[label].failed)
        return dict((label, {"id": gen_id, "disks": [{"bytes": 4096}]}) for label in applied)
    monkeypatch.setattr(copy_engine.CopyEngine, "_apply_replicas", apply_replicas)
    engine = copy_engine.CopyEngine(FakeProvider(), FakeSite("site-a"), FakeSite("site-b"))
    items = dict((name, (FakeSource(log, name), {"pair": "0123456789", "policy": {}})) for name in ("fast", "slow"))
    return engine, items, applied


def test_each_snapshot_is_removed_as_soon_as_its_vm_is_copied(monkeypatch):
    log = Log()
    engine, items, _applied = setup(monkeypatch, log)
    batch = Batch(["fast", "slow"])
    engine.sync(batch, items, type("P", (), {"datastore": "ds2"})(), {"fast": None, "slow": None})
    order = log.items
    assert order.index("remove snapshot fast") < order.index("copied [ds1] slow/slow-flat.vmdk"), order
    assert order.count("remove snapshot slow") == 1 and order.count("remove snapshot fast") == 1
    assert not batch.failures()


def test_a_missing_extent_fails_its_vm_and_makes_no_recovery_point(monkeypatch):
    """A 404 on the data extent used to be skipped, and the descriptor alone became a recovery point."""
    log = Log()
    engine, items, applied = setup(monkeypatch, log, missing=("slow-flat",))
    batch = Batch(["fast", "slow"])
    generations = engine.sync(batch, items, type("P", (), {"datastore": "ds2"})(), {"fast": None, "slow": None})
    assert batch["slow"].failed and "missing on the source datastore" in batch["slow"].error.message
    assert "slow" not in applied and "slow" not in generations
    assert "fast" in generations and not batch["fast"].failed
    assert "remove snapshot slow" in log.items
    assert "delete [ds2] vmdr/slow-01234567/20261204T230000Z" in log.items  # its partial folder is dropped
    # what the engine wrote for the fast VM: the extent, then the descriptor without change tracking
    assert log.items.index("copied [ds1] fast/fast-flat.vmdk") < log.items.index(
        "wrote [ds2] vmdr/fast-01234567/20261204T230000Z/2000/fast.vmdk")
    assert batch["fast"].details["transfer"]["bytes"] == 4096 + len(b'createType="vmfs"\nRW 8 VMFS "fast-flat.vmdk"\n')
    assert batch["fast"].details["transfer"]["path"] == "vcenter-folder"
