# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test failover and its cleanup on vSphere: copies of a recovery point on isolated networks.

Every input problem of every VM (names, recovery points, networks and their isolation, re-IP, names in the way) is
found before the first task and refuses the call. Then one task chain per VM creates the test VM as a linked clone
of the point (each disk a new child disk of the point's disk: no data is copied and the point is never written),
applies the re-IP as its one guest customization and powers it on, wave by wave (waves.py); readiness is the engine's
one wait (engine.waits with engine.readiness: running, VMware Tools answering, promised addresses seen). Cleanup
removes the test VM and its folder, which holds only the child disks.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import posixpath
import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.clients.datastore_http import parse_ds_path
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import service_content
from ansible_collections.vmdr.replication.plugins.module_utils.engine import readiness, waits
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    metadata, power, recovery, guest, vm_spec, waves as waves_mod)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import make_directory

try:
    from pyVmomi import vim
except ImportError:
    pass


# ---------------------------------------------------------------- test failover and cleanup

def test(p, refs, settings):
    started_clock = time.time()
    target = p.site("target")
    inv = p.inventory(target)
    started = inv.now()
    problems = Problems()
    found, records = recovery.find_replicas(inv, refs, problems)
    nmap = NetworkMap.from_params(settings.get("network_map"))
    problems.check(nmap.check_test_apart_from_live, site=target.name)
    tests_by_pair = inv.by_record(records, key=metadata.TEST_KEY)
    by_name = {}
    for rec in records:
        by_name.setdefault(rec.name, []).append(rec)
    labels = [ref.label for ref in refs if ref.label in found]
    plans = recovery.reip_plans(labels, found, settings.get("reip"), problems, target.name)
    suffix = settings.get("test_suffix") or "-test"
    batch = Batch([r.label for r in refs])
    items = {}
    used_test_networks = set()
    for ref in refs:
        if ref.label not in found:
            continue
        label, rep = ref.label, found[ref.label]
        gen = recovery.choose_point(label, rep.record, recovery.point_spec(ref, settings, problems), target.name,
                                    problems)
        targets = problems.check(recovery.nic_targets, label, rep.record, nmap, "test", inv, vm=label,
                                 site=target.name)
        if plans[label] is not None:
            problems.check(guest.customization_spec, plans[label], "check", vm=label, site=target.name,
                           step="build guest customization")
        if gen is None or targets is None:
            continue
        used_test_networks.update(name for name, _net in targets.values())
        test_name = rep.name + suffix
        mine = [t for t in tests_by_pair.get(rep.record["pair"], []) if t.name == test_name]
        others = [r for r in by_name.get(test_name, []) if not r.test]
        if others:
            problems.add(InputError("a VM named '%s' already exists and was not made by a test failover"
                                    % test_name, vm=label, site=target.name, step="plan test failover",
                                    hint="Rename or remove it, or set test_suffix"))
            continue
        items[label] = {"replica": rep, "gen": gen, "targets": targets, "name": test_name,
                        "existing": mine[0] if mine else None}
    if used_test_networks:
        problems.check(inv.check_isolated, sorted(used_test_networks), site=target.name)
    folder = None
    if settings.get("test_folder"):
        folder = problems.check(inv.find_by_name, vim.Folder, settings["test_folder"],
                                root=target.datacenter.vmFolder, what="folder", site=target.name)
    problems.refuse()

    for label, item in items.items():
        result = batch[label]
        existing = item["existing"]
        gen = existing.test["generation"] if existing else item["gen"]
        result.before = {"test_vm": existing.summary() if existing else None}
        result.after = {"test_vm": {"name": item["name"], "power_state": "poweredOn" if settings.get(
            "power_on", True) else "poweredOff"}}
        result.changed = existing is None or (settings.get("power_on", True) and existing.power_state != "poweredOn")
        result.details.update(
            test_vm=item["name"], recovery_point={"id": gen["id"] if isinstance(gen, dict) else gen,
                                                  "time": item["gen"]["time"] if not existing else
                                                  existing.test.get("generation_time")},
            networks=[{"index": i, "network": n} for i, (n, _net) in sorted(item["targets"].items())],
            reip=plans[label])
        if existing is None:
            result.details["achieved_rpo_seconds"] = recovery.achieved_rpo(started, item["gen"])
            result.details["disks"] = {"kind": "linked clone", "copied_bytes": 0,
                                       "parents": [d["file"] for d in item["gen"]["disks"]]}
    if p.check_mode:
        return batch

    _start_waves(p, target, batch, items, _waves(refs, items), plans, settings, started, started_clock, folder)
    return batch


def _waves(refs, items):
    """Labels of the VMs to start, by wave (a VM's ``wave`` option, default 0), lowest first."""
    waves = {}
    for ref in refs:
        if ref.label in items:
            waves.setdefault(ref.options.get("wave") or 0, []).append(ref.label)
    return [waves[w] for w in sorted(waves)]


def _start_waves(p, target, batch, items, waves, plans, settings, started, started_clock, folder):
    """One task chain per VM, all waves in one bounded run; a wave is powered on once the one before is ready."""
    power_on = settings.get("power_on", True)
    vms = dict((label, item["existing"].obj) for label, item in items.items() if item["existing"])
    expected = dict((label, recovery.expected_ips(plans[label]) if plans[label] else set()) for label in items)

    def chain_done(label, outcome):
        vm = outcome.results.get(STEP_CREATE)
        if vm is not None:
            vms[label] = vm
        if label in vms:
            batch[label].details["test_vm_moid"] = vms[label]._moId
        if not outcome.ok:
            batch.fail(label, recovery.task_error(outcome, target.name, outcome.step))

    def await_wave(labels):
        waiting = [label for label in labels if label in vms and not batch[label].failed]
        if power_on and waiting and settings.get("wait_ready", True):
            need_ip = settings.get("wait_for_ip", True)
            got = waits.wait(readiness.GUEST_READY, waiting,
                             lambda pending: power.poll_vms(target, dict((k, vms[k]) for k in pending), expected,
                                                            need_ip),
                             settings.get("ready_timeout") or 600, site=target.name, step="wait for test VM readiness",
                             started=started_clock)
            for label, (_state, error, seconds) in got.items():
                if error is None:
                    batch[label].details["time_to_ready_seconds"] = seconds
                else:
                    batch.fail(label, error)
        return [label for label in labels if batch[label].failed]

    steps = {}
    for label, item in items.items():
        existing = item["existing"]
        if existing is None:
            steps[label] = _new_test_vm_steps(target, label, item, plans.get(label), settings, started, folder)
        elif power_on and existing.power_state != "poweredOn":
            steps[label] = [(STEP_POWER_ON, _power_on_existing(existing.obj), ("InvalidPowerState",))]
        else:
            batch[label].details["test_vm_moid"] = existing.moid
    starter = waves_mod.WaveStarter(waves, set(steps), chain_done, await_wave, gated=power_on)
    chains = []
    for labels in waves:
        for label in labels:
            gate = starter.gate(label)
            chains.append((label, [step if step[0] != STEP_POWER_ON or gate is None
                                   else (step[0], step[1], step[2] if len(step) > 2 else (), gate)
                                   for step in steps.get(label, [])]))
    starter.start()
    starter.finish(p.runner(target).run_chains(chains, on_done=starter.chain_done))


STEP_FOLDER = "make test disk folder"
STEP_CREATE = "create test VM"
STEP_CUSTOMIZE = "apply re-IP by guest customization"
STEP_POWER_ON = "power on test VM"


def _new_test_vm_steps(target, label, item, plan, settings, started, folder):
    """The task chain of one new test VM: its disk folder, the VM with a child disk of each of the point's disks,
    its customization, its power-on."""
    file_manager = service_content(target.si).fileManager
    rep, gen = item["replica"], item["gen"]
    datastore = parse_ds_path(gen["disks"][0]["file"])[0]
    layout = "[%s] %s" % (datastore, "vmdr-test/%s-%s" % (item["name"], rep.record["pair"][:8]))
    files = {}
    for disk in gen["disks"]:
        files[disk["key"]] = "%s/%s-%s" % (layout, disk["key"], posixpath.basename(parse_ds_path(disk["file"])[1]))
    steps = [(STEP_FOLDER, _make_folder(file_manager, layout, target.datacenter))]
    # specs are built inside the chain, by the worker that submits them, so the first tasks go out at once
    spec = _spec_builder(_test_vm_spec, rep, gen, item, files, layout, settings, started)
    steps.append((STEP_CREATE, _create(folder or rep.props.get("parent"), spec, rep.props.get("resourcePool"),
                                       rep.props.get("runtime.host"))))
    if plan:
        steps.append((STEP_CUSTOMIZE, _customize_job(_spec_builder(
            guest.customization_spec, plan, rep.record.get("hostname") or label,
            windows=recovery.is_windows(rep.record, rep.props)))))
    if settings.get("power_on", True):
        steps.append((STEP_POWER_ON, _power_on_created))
    return steps


def _test_vm_spec(rep, gen, item, files, layout, settings, started):
    devices = rep.props.get("config.hardware.device")
    current = dict((d["key"], d) for d in vm_spec.disks_of(devices))
    disks = [dict(current.get(d["key"]) or _disk_from_gen(d, devices), key=d["key"]) for d in gen["disks"]]
    parents = dict((d["key"], d["file"]) for d in gen["disks"])
    changes = vm_spec.disk_changes(disks, files, parents=parents)
    changes += vm_spec.nic_add_changes(_nic_types(rep), item["targets"])
    extra = dict((k, v) for k, v in rep.extra.items() if k.startswith(vm_spec.CARRIED_EXTRA_PREFIXES))
    extra[metadata.TEST_KEY] = metadata.encode({
        "pair": rep.record["pair"], "of": rep.moid, "generation": gen["id"], "generation_time": gen["time"],
        "created": timeparse.iso(started), "dir": layout, "run_id": settings.get("run_id")})
    return vm_spec.create_spec(item["name"], vm_spec.hardware_summary(rep.props), parse_ds_path(layout)[0],
                               changes, extra)


def _spec_builder(fn, *args, **kwargs):
    return lambda: fn(*args, **kwargs)


def _customize_job(spec):
    return lambda results: results[STEP_CREATE].CustomizeVM_Task(spec=spec())


def _power_on_created(results):
    return results[STEP_CREATE].PowerOnVM_Task()


def _power_on_existing(vm):
    return lambda _results: vm.PowerOnVM_Task()


def _make_folder(file_manager, folder, datacenter):
    def job(_results):
        make_directory(file_manager, folder, datacenter)  # no task: the chain moves on at once
    return job


def _create(folder, spec, pool, host):
    return lambda _results: folder.CreateVM_Task(config=spec(), pool=pool, host=host)


def _disk_from_gen(disk, devices):
    return {"controller_type": "ParaVirtualSCSIController", "bus": 0, "unit": 0, "capacity_kb": 0}


def _nic_types(rep):
    types = dict((n["index"], n["type"]) for n in vm_spec.nics_of(rep.props.get("config.hardware.device")))
    return [{"index": n["index"], "type": types.get(n["index"], n.get("type") or "VirtualVmxnet3")}
            for n in rep.record.get("nics") or []]


def cleanup_test(p, refs, settings):
    target = p.site("target")
    inv = p.inventory(target)
    problems = Problems()
    found, records = recovery.find_replicas(inv, refs, problems,
                                            roles=(metadata.ROLE_REPLICA, metadata.ROLE_PROMOTED), paths=())
    problems.refuse()
    tests_by_pair = inv.by_record(records, key=metadata.TEST_KEY)
    batch = Batch([r.label for r in refs])
    doomed = []
    for ref in refs:
        rep = found[ref.label]
        mine = [t for t in tests_by_pair.get(rep.record["pair"], [])
                if not settings.get("run_id") or t.test.get("run_id") == settings["run_id"]]
        result = batch[ref.label]
        result.before = {"test_vms": [t.summary() for t in mine]}
        result.after = {"test_vms": []}
        result.changed = bool(mine)
        result.details["removed"] = [t.name for t in mine]
        doomed.extend((ref.label, t) for t in mine)
    if p.check_mode or not doomed:
        return batch
    file_manager = service_content(target.si).fileManager
    chains, by_key = [], dict(("%s|%s" % (label, t.moid), t) for label, t in doomed)
    for label, t in doomed:
        steps = [(STEP_POWER_OFF, _power_off(t.obj), ("InvalidPowerState",))] if t.power_state == "poweredOn" else []
        steps.append((STEP_REMOVE, _destroy(t.obj)))
        if t.test.get("dir"):
            steps.append((STEP_REMOVE_DIR, _delete_file(file_manager, t.test["dir"], target.datacenter),
                          ("FileNotFound", "CannotDeleteFile")))
        chains.append(("%s|%s" % (label, t.moid), steps))
    # one chain per test VM (power off, remove, remove its disk folder): each moves on as soon as it can
    for key, outcome in p.runner(target).run_chains(chains).items():
        label, t = key.split("|", 1)[0], by_key[key]
        if outcome.ok:
            continue
        if outcome.step == STEP_REMOVE_DIR:
            p.warn("test disk folder %s at site %s was not removed: %s" % (t.test["dir"], target.name, outcome.error))
        elif not batch[label].failed:
            batch.fail(label, recovery.task_error(outcome, target.name, outcome.step if outcome.step == STEP_POWER_OFF
                                                  else "%s %s" % (STEP_REMOVE, t.name)))
    return batch


STEP_POWER_OFF = "power off test VM"
STEP_REMOVE = "remove test VM"
STEP_REMOVE_DIR = "remove test disk folder"


def _power_off(vm):
    return lambda _results: vm.PowerOffVM_Task()


def _destroy(vm):
    return lambda _results: vm.Destroy_Task()


def _delete_file(file_manager, path, datacenter):
    return lambda _results: file_manager.DeleteDatastoreFile_Task(name=path, datacenter=datacenter)
