"""Failover cmdlets (reference §5 rows 9-15, §6) and recovery points (Get-VMSnapshot)."""
from __future__ import annotations

import copy

from ..model import guest
from ..model.core import new_id
from ..model.enums import SnapshotType
from ..ps.commands import Param
from .common import HyperVCommand, SNAPSHOT_T, VM_T, computer_params
from .replication import ReplicationCommand

_REPLICA_MODES = ("Replica", "ExtendedReplica")


class StartVMFailover(ReplicationCommand):
    name = "Start-VMFailover"
    class_name = "StartVMFailover"
    should_process = True
    confirm_impact = "High"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMRecoverySnapshot", SNAPSHOT_T, pipeline=True, aliases=("VMRecoveryCheckpoint",)),
              Param("Prepare", "switch"), Param("AsTest", "switch"), Param("AsJob", "switch"),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        snap = b.get("VMRecoverySnapshot")
        if snap is not None and not b.get("VMName") and not b.get("VM"):
            model = self.model(ctx)
            ref = snap.hidden
            vm = model.vm(ref.get("host"), ref.get("vm_id")) if ref.get("host") in model.hosts else None
            targets = [(ref["host"], vm)] if vm else []
            if vm is None:
                self.fail(ctx, "InvalidParameter", "The recovery snapshot does not belong to an existing virtual "
                                                   "machine.", target=snap)
        else:
            targets = list(self.each_vm(ctx, b))
        for h, vm in targets:
            rel = vm["repl"].get("0")
            if rel is None or rel["mode"] == "TestReplica":
                self.fail(ctx, "OperationFailed", "Start-VMFailover is not applicable to virtual machine '%s' "
                                                  "(replication mode %s)." % (vm["name"], rel["mode"] if rel else "None"),
                          target=vm["name"])
                continue
            if rel["mode"] == "Primary":
                self.prepare(ctx, b, h, vm, rel, snap)
            else:
                self.failover(ctx, b, h, vm, rel, snap)

    def prepare(self, ctx, b, host, vm, rel, snap):
        model = self.model(ctx)
        now = self.now(ctx)
        if not b.get("Prepare"):
            self.fail(ctx, "InvalidParameter", "The Prepare parameter must be provided to fail over the primary "
                                               "virtual machine '%s'." % vm["name"], target=vm["name"])
            return
        if b.get("AsTest") or snap is not None:
            self.fail(ctx, "InvalidParameter", "A test failover or a recovery snapshot is not valid on the primary "
                                               "virtual machine '%s'." % vm["name"], target=vm["name"])
            return
        if vm["state"] != "Off":
            self.fail(ctx, "InvalidState", "The operation cannot be performed while virtual machine '%s' is in its "
                                           "current state (%s). Turn off the virtual machine first."
                      % (vm["name"], vm["state"]), target=vm["name"])
            return
        if rel["state"] != "Replicating":
            self.invalid_state(ctx, vm, rel, "Start-VMFailover -Prepare")
            return
        if not ctx.should_process(vm["name"], "Start-VMFailover"):
            return
        model.set_state(rel, "PreparedForFailover")
        rel["next_cycle"] = None
        rel["last_replication"] = now
        rel["last_type"] = 3
        p = model.partner(rel)
        if p is not None:
            p[2]["last_replication"] = p[2]["last_applied"] = now
            p[2]["last_type"] = 3
        self.mutated(ctx)
        if b.get("Passthru"):
            ctx.write(self.projector(ctx).vm(host, vm))

    def failover(self, ctx, b, host, vm, rel, snap):
        model = self.model(ctx)
        now = self.now(ctx)
        if b.get("Prepare"):
            self.fail(ctx, "InvalidParameter", "The Prepare parameter is valid only on the primary virtual machine.",
                      target=vm["name"])
            return
        if snap is not None:
            s = [x for x in vm["snapshots"] if x["id"] == snap.hidden.get("snapshot_id")]
            if snap.hidden.get("vm_id") != vm["id"] or not s or s[0]["type"] not in (6, 7, 8):
                self.fail(ctx, "InvalidParameter", "The snapshot is not a valid recovery point of virtual machine "
                                                   "'%s'." % vm["name"], target=vm["name"])
                return
            snap_rec = s[0]
        else:
            snap_rec = None
        if vm["state"] != "Off":
            self.fail(ctx, "InvalidState", "The operation cannot be performed while virtual machine '%s' is in its "
                                           "current state (%s)." % (vm["name"], vm["state"]), target=vm["name"])
            return
        allowed = ("Replicating", "Suspended") if b.get("AsTest") else \
            ("Replicating", "Suspended", "Resynchronizing", "WaitingForUpdateCompletion")
        if rel["state"] not in allowed or rel.get("last_replication") is None:
            self.invalid_state(ctx, vm, rel, "Start-VMFailover")
            return
        if b.get("AsTest"):
            if vm.get("test_vm") and model.vm(host, vm["test_vm"]):
                self.fail(ctx, "InvalidState", "A test failover is already in progress for virtual machine '%s'."
                          % vm["name"], target=vm["name"])
                return
            if not ctx.should_process(vm["name"], "Start-VMFailover"):
                return
            test = self.create_test_vm(model, host, vm, now)
            rel["last_test_failover"] = now
            self.mutated(ctx)
            ctx.write(self.projector(ctx).vm(host, test))  # always written, even without -Passthru
            return
        if not ctx.should_process(vm["name"], "Start-VMFailover"):
            return
        p = model.partner(rel)
        planned = p is not None and p[2]["state"] == "PreparedForFailover"
        model.set_state(rel, "FailedOverWaitingCompletion")
        rel["planned"] = planned
        rel["failover_snapshot"] = snap_rec["id"] if snap_rec else None
        rel["failed_over_type"] = 3 if planned else (2 if snap_rec and snap_rec["type"] == 7 else 1)
        guest.failed_over(vm)  # its guest applies the failover TCP/IP settings when it boots (model/guest.py)
        self.mutated(ctx)
        if b.get("Passthru"):
            ctx.write(self.projector(ctx).vm(host, vm))

    @staticmethod
    def create_test_vm(model, host, vm, now):
        adapters = []
        for a in vm["adapters"]:
            na = copy.deepcopy(a)
            na["id"] = new_id()
            na["switch"] = a.get("test_replica_switch")  # not connected unless a test switch was chosen
            na.pop("effective_ipv4", None)
            adapters.append(na)
        test = model.new_vm(host, "%s - Test" % vm["name"], "Off", None, adapters, copy.deepcopy(vm["disks"]),
                            vm["generation"], vm["memory_mb"], vm["cpus"], created=now)
        test["test_of"] = vm["id"]
        guest.failed_over(test, source=vm)
        test["repl"]["0"] = model.new_rel(test["id"], "TestReplica", "Simple", None, "Disabled", None, None, {})
        test["repl"]["0"]["health"] = "NotApplicable"
        vm["test_vm"] = test["id"]
        return test


class StopVMFailover(ReplicationCommand):
    name = "Stop-VMFailover"
    class_name = "StopVMFailover"
    should_process = True
    confirm_impact = "Medium"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("AsJob", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        now = self.now(ctx)
        for h, vm in self.each_vm(ctx, b):
            rel = vm["repl"].get("0")
            if rel is None or rel["mode"] == "TestReplica":
                self.fail(ctx, "OperationFailed", "Stop-VMFailover is not applicable to virtual machine '%s' "
                                                  "(replication mode %s)." % (vm["name"], rel["mode"] if rel else "None"),
                          target=vm["name"])
                continue
            test = model.vm(h, vm["test_vm"]) if vm.get("test_vm") else None
            if test is not None:
                # removing the test VM takes precedence over reverting a failover (row 12)
                if ctx.should_process(vm["name"], "Stop-VMFailover"):
                    test["state"] = "Off"
                    model.remove_vm(h, test["id"])
                    vm["test_vm"] = None
                    self.mutated(ctx)
                    if b.get("Passthru"):
                        ctx.write(self.projector(ctx).vm(h, vm))
                continue
            if rel["mode"] in _REPLICA_MODES and rel["state"] in ("FailedOverWaitingCompletion", "RecoveryInProgress"):
                if ctx.should_process(vm["name"], "Stop-VMFailover"):
                    vm["state"] = "Off"
                    vm["started_at"] = None
                    guest.cancelled(vm)  # the reverted VM's guest has its settings from before the failover
                    model.set_state(rel, "Replicating")
                    rel["failover_snapshot"] = None
                    rel["failed_over_type"] = 0
                    rel["planned"] = False
                    self.mutated(ctx)
            elif rel["mode"] == "Primary" and rel["state"] == "PreparedForFailover":
                if ctx.should_process(vm["name"], "Stop-VMFailover"):
                    model.set_state(rel, "Replicating")
                    rel["next_cycle"] = now + rel["frequency"]
                    self.mutated(ctx)
            else:
                self.invalid_state(ctx, vm, rel, "Stop-VMFailover")
                continue
            if b.get("Passthru"):
                ctx.write(self.projector(ctx).vm(h, vm))


class CompleteVMFailover(ReplicationCommand):
    name = "Complete-VMFailover"
    class_name = "CompleteVMFailover"
    should_process = True
    confirm_impact = "High"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("AsJob", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for h, vm in self.each_vm(ctx, b):
            rel = vm["repl"].get("0")
            if rel is None or rel["mode"] == "Primary":
                self.fail(ctx, "OperationFailed", "Complete-VMFailover is not applicable to virtual machine '%s' "
                                                  "(replication mode %s)." % (vm["name"], rel["mode"] if rel else "None"),
                          target=vm["name"])
                continue
            if rel["state"] != "FailedOverWaitingCompletion":
                self.invalid_state(ctx, vm, rel, "Complete-VMFailover")
                continue
            if not ctx.should_process(vm["name"], "Complete-VMFailover"):
                continue
            model.set_state(rel, "FailedOver", "Warning")
            vm["snapshots"] = [s for s in vm["snapshots"] if s["type"] not in (6, 7, 8)]
            rel["failover_snapshot"] = None
            self.mutated(ctx)
            if b.get("Passthru"):
                ctx.write(self.projector(ctx).vm(h, vm))


class GetVMSnapshot(HyperVCommand):
    name = "Get-VMSnapshot"
    class_name = "GetVMSnapshot"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("Name", "string[]", position=1), Param("Id", "guid"),
              Param("SnapshotType", SnapshotType), Param("ParentOf", "object"), Param("ChildOf", "object")] + \
        computer_params()

    def process(self, ctx, b):
        proj = self.projector(ctx)
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host):
                for s in sorted(vm["snapshots"], key=lambda s: s["created"]):
                    if "SnapshotType" in b and b["SnapshotType"].value != s["type"]:
                        continue
                    if "Id" in b and str(b["Id"]) != s["id"]:
                        continue
                    if b.get("Name") and not any(_like(n, s["name"]) for n in b["Name"]):
                        continue
                    ctx.write(proj.snapshot(h, vm, s))


def _like(pattern, name):
    from ..ps.convert import wildcard_match
    return wildcard_match(pattern, name)


COMMANDS = [StartVMFailover(), StopVMFailover(), CompleteVMFailover(), GetVMSnapshot()]
