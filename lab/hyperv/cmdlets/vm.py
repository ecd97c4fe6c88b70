"""Get-VM, Start-VM, Stop-VM."""
from __future__ import annotations

from ..ps.commands import Param
from .common import HyperVCommand, computer_params, VM_T

_STARTABLE_REPLICA_STATES = ("FailedOverWaitingCompletion", "FailedOver")


def effective_ips(vm, adapter):
    """Guest IPv4 after boot: a failed-over or test replica gets its failover configuration injected."""
    rel = vm["repl"].get("0")
    injected = vm.get("test_of") or (rel and rel["mode"] in ("Replica", "ExtendedReplica")
                                     and rel["state"] in _STARTABLE_REPLICA_STATES)
    f = adapter.get("failover") or {}
    if injected and f.get("IPv4Address"):
        return [f["IPv4Address"]]
    return list(adapter["guest"]["ipv4"])


class GetVM(HyperVCommand):
    name = "Get-VM"
    class_name = "GetVM"
    params = [Param("Name", "string[]", position=0, aliases=("VMName",), not_empty=True),
              Param("Id", "guid[]")] + computer_params()

    def process(self, ctx, b):
        proj = self.projector(ctx)
        for host in self.target_hosts(ctx, b):
            ids = b.get("Id")
            for h, vm in self.resolve_vms(ctx, b, host, name_param="Name", by_id=ids):
                ctx.write(proj.vm(h, vm))


class StartVM(HyperVCommand):
    name = "Start-VM"
    class_name = "StartVM"
    should_process = True
    params = [Param("Name", "string[]", position=0, aliases=("VMName",), not_empty=True),
              Param("VM", VM_T, pipeline=True), Param("Passthru", "switch"), Param("AsJob", "switch")] + \
        computer_params()

    def process(self, ctx, b):
        now = self.now(ctx)
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host, name_param="Name"):
                rel = vm["repl"].get("0")
                if rel and rel["mode"] in ("Replica", "ExtendedReplica") and \
                        rel["state"] not in _STARTABLE_REPLICA_STATES:
                    self.fail(ctx, "OperationFailed",
                              "'%s' failed to start. Starting a Replica virtual machine is not allowed until it is "
                              "failed over." % vm["name"], target=vm["name"])
                    continue
                if rel and rel["mode"] == "Primary" and rel["state"] == "PreparedForFailover":
                    self.fail(ctx, "OperationFailed",
                              "'%s' failed to start. The virtual machine is prepared for planned failover; cancel "
                              "the failover with Stop-VMFailover before starting it." % vm["name"], target=vm["name"])
                    continue
                if not ctx.should_process(vm["name"], "Start-VM"):
                    continue
                if vm["state"] == "Running":
                    ctx.warn("The virtual machine '%s' is already in the specified state." % vm["name"])
                else:
                    vm["state"] = "Running"
                    vm["started_at"] = now
                    for a in vm["adapters"]:
                        a["effective_ipv4"] = effective_ips(vm, a)
                    self.mutated(ctx)
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).vm(h, vm))


class StopVM(HyperVCommand):
    name = "Stop-VM"
    class_name = "StopVM"
    should_process = True
    params = [Param("Name", "string[]", position=0, aliases=("VMName",), not_empty=True),
              Param("VM", VM_T, pipeline=True), Param("Force", "switch"), Param("TurnOff", "switch"),
              Param("Save", "switch"), Param("Passthru", "switch"), Param("AsJob", "switch")] + computer_params()

    def process(self, ctx, b):
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host, name_param="Name"):
                if not ctx.should_process(vm["name"], "Stop-VM"):
                    continue
                if vm["state"] == "Off":
                    ctx.warn("The virtual machine '%s' is already in the specified state." % vm["name"])
                else:
                    vm["state"] = "Saved" if b.get("Save") else "Off"
                    vm["started_at"] = None
                    self.mutated(ctx)
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).vm(h, vm))


COMMANDS = [GetVM(), StartVM(), StopVM()]
