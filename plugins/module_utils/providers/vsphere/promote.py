# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Promote and demote replicas on vSphere (the engine's "promote replica" step and its compensation).

Promote, for all VMs at once: one ReconfigVM_Task per replica attaches the chosen recovery point, moves the NICs to
the live networks and writes the record (role promoted, the failover, the re-IP plan, and the customization it is
about to stage); then one CustomizeVM_Task per replica stages the re-IP, right before the power-on. A replica whose
customization fails is demoted again inside the step, so the step either promoted a VM or left it as it was.

Demote writes back the record the replica had, re-attaches its disks and NIC backings as they were, and keeps the
note of a customization that is now pending (vSphere cannot withdraw it): the next failover with the same plan uses
it, one with another plan is refused before it changes anything (recovery.customization_decision).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    guest, metadata, power, recovery, vm_spec)

try:
    from pyVmomi import vim
except ImportError:
    pass

STEP_PREPARE = "prepare replica (recovery point, networks)"
STEP_CUSTOMIZE = "apply re-IP by guest customization"


def _disk_changes(devices, wanted):
    """Device changes that attach ``wanted`` ([{key, file}]) instead of the VM's current disks; [] when same."""
    current = vm_spec.disks_of(devices)
    if sorted(d["file"] for d in current) == sorted(d["file"] for d in wanted):
        return []
    geometry = dict((d["key"], d) for d in current)
    disks = []
    for index, disk in enumerate(wanted):
        base = geometry.get(disk["key"]) or (current[index] if index < len(current) else current[0])
        disks.append(dict(base, key=disk["key"]))
    return vm_spec.disk_changes(disks, dict((d["key"], d["file"]) for d in wanted), existing=current)


def _promoted_record(ctx, label, vm):
    rep, gen = vm["replica"], vm["gen"]
    record = dict(rep.record)
    if record.get("role") != metadata.ROLE_PROMOTED:
        record.update(role=metadata.ROLE_PROMOTED, failover={
            "mode": ctx.mode, "time": timeparse.iso(ctx.now), "generation": gen["id"],
            "generation_time": gen["time"], "run_id": ctx.settings.get("run_id"),
            "source_fenced": bool(vm.get("fence"))})
    if vm.get("plan") is not None:
        record["reip"] = {"hash": guest.plan_hash(vm["plan"]), "nics": vm["plan"]}
    if vm.get("customize"):
        record["customization"] = {"hash": guest.plan_hash(vm["plan"]), "nics": vm["plan"],
                                   "staged": timeparse.iso(ctx.now)}
    return record


def promote_replicas(p, ctx, labels):
    inv, runner, site = p.inventory(ctx.target), p.runner(ctx.target), ctx.target
    out, reconfig, network_reports = {}, [], {}
    for label in labels:
        vm = ctx.vms[label]
        rep = vm["replica"]
        devices = rep.props.get("config.hardware.device")
        changes = _disk_changes(devices, vm["gen"]["disks"])
        nic_changes, report = recovery.nic_edits(devices, vm["targets"], inv)
        network_reports[label] = [{"index": r["index"], "network": r["network"]} for r in report]
        record = _promoted_record(ctx, label, vm)
        if not changes and not nic_changes and record == rep.record and not vm.get("customize"):
            out[label] = Outcome(details={"networks": network_reports[label], "reip": vm.get("plan")})
            continue
        vm["before"] = {"record": rep.record, "devices": devices}
        reconfig.append((label, recovery.reconfig_job(rep.obj, recovery.extra_spec(
            {metadata.REPLICATION_KEY: record}, changes + nic_changes))))
    for label, outcome in runner.run(reconfig).items():
        if outcome.ok:
            ctx.vms[label]["promoted_by_us"] = True
            out[label] = Outcome(changed=True, details={"networks": network_reports[label],
                                                        "reip": ctx.vms[label].get("plan")})
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, site.name, STEP_PREPARE))
    customize = []
    for label in labels:
        vm = ctx.vms[label]
        if vm.get("customize") and out[label].ok:
            spec = guest.customization_spec(vm["plan"], vm["replica"].record.get("hostname") or label,
                                            windows=recovery.is_windows(vm["replica"].record, vm["replica"].props))
            customize.append((label, _customize_job(vm["replica"].obj, spec)))
    failed = {}
    for label, outcome in runner.run(customize).items():
        if outcome.ok:
            ctx.vms[label]["customized"] = True
        else:
            failed[label] = recovery.task_error(outcome, site.name, STEP_CUSTOMIZE)
    if failed:
        undone = demote_replicas(p, ctx, list(failed))
        for label, error in failed.items():
            out[label] = Outcome(error=error, changed=undone[label].changed, details={
                "promotion_undone": undone[label].ok,
                "promotion_undo_error": str(undone[label].error) if undone[label].error else None})
    return out


def _customize_job(vm, spec):
    return lambda: vm.CustomizeVM_Task(spec=spec)


def demote_replicas(p, ctx, labels):
    """Compensation of promote: each replica promoted by this call gets its record, disks and NICs back. A replica
    that may be running (its power-on could still run in vCenter) is not demoted: the source then stays off."""
    out = dict((label, Outcome()) for label in labels if not ctx.vms[label].get("promoted_by_us"))
    todo = [label for label in labels if label not in out]
    if not todo:
        return out
    site = ctx.target
    states = power.power_states(site, dict((label, ctx.vms[label]["replica"].obj) for label in todo))
    fresh = p.inventory(site).refresh([ctx.vms[label]["replica"] for label in todo], ["config.hardware.device"])
    jobs = []
    for label in todo:
        vm = ctx.vms[label]
        if states.get(label) != "poweredOff" or vm.get("start_uncertain"):
            out[label] = Outcome(error=VmdrError(
                "the replica may be running (%s), so it was not demoted and the source is not started again"
                % (states.get(label) or "unknown"), site=site.name, step="demote replica",
                hint="Check the replica at the recovery site; rerun the failover to finish it"))
            continue
        before = vm["before"]
        record = dict(before["record"])
        if vm.get("customized"):
            record["customization"] = _promoted_record(ctx, label, vm)["customization"]
        now = fresh.get(vm["replica"].moid)
        if now is None:
            out[label] = Outcome(error=VmdrError("the replica could not be read again", site=site.name,
                                                 step="demote replica"))
            continue
        devices = now.props.get("config.hardware.device")
        before_disks = [{"key": d["key"], "file": d["file"]} for d in vm_spec.disks_of(before["devices"])]
        changes = _disk_changes(devices, before_disks) + _nic_restores(devices, before["devices"])
        jobs.append((label, recovery.reconfig_job(vm["replica"].obj, recovery.extra_spec(
            {metadata.REPLICATION_KEY: record}, changes))))
    for label, outcome in p.runner(site).run(jobs).items():
        if outcome.ok:
            ctx.vms[label]["promoted_by_us"] = False
            out[label] = Outcome(changed=True)
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, site.name, "demote replica"))
    return out


def _nic_restores(devices, before_devices):
    """Edits that put back the NIC backings of ``before_devices`` where they differ now."""
    before = dict((d.key, d) for d in before_devices or [] if isinstance(d, vim.vm.device.VirtualEthernetCard))
    changes = []
    for dev in devices or []:
        old = before.get(dev.key)
        if old is None or not isinstance(dev, vim.vm.device.VirtualEthernetCard):
            continue
        if _backing_id(dev.backing) != _backing_id(old.backing):
            dev.backing = old.backing
            changes.append(vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit,
                                                           device=dev))
    return changes


def _backing_id(backing):
    port = getattr(backing, "port", None)
    if port is not None:
        return ("dvs", port.portgroupKey)
    return ("net", getattr(backing, "deviceName", None))
