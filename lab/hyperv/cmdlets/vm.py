"""Get-VM, Start-VM, Stop-VM, Remove-VM (which deletes no virtual hard disk: the files stay on the host), and
Remove-Item for those files."""
from __future__ import annotations

from ..ps import convert as C
from ..ps.commands import Command, Param
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


class RemoveVM(HyperVCommand):
    """Removes the VM's configuration; its virtual hard disks stay on the host as files (host["files"]), as the
    reference says (hyperv-replica.md §2: "Remove-VM deletes no virtual disks"). Without -Force it asks for
    confirmation, which fails in a non-interactive session."""
    name = "Remove-VM"
    class_name = "RemoveVM"
    should_process = True
    confirm_impact = "High"
    params = [Param("Name", "string[]", position=0, aliases=("VMName",), not_empty=True),
              Param("VM", VM_T, pipeline=True), Param("Force", "switch"), Param("Passthru", "switch")] + \
        computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host, name_param="Name"):
                if b.get("Force") and b.get("Confirm") is not True:
                    # -Force skips the confirmation, not -WhatIf
                    whatif = b["WhatIf"] if "WhatIf" in b else C.is_true(ctx.interp.get_var("WhatIfPreference"))
                    if whatif:
                        ctx.interp.host.write_host('What if: Performing the operation "Remove-VM" on target "%s".'
                                                   % vm["name"])
                        continue
                elif not ctx.should_process(vm["name"], "Remove-VM"):
                    continue
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).vm(h, vm))
                files = model.hosts[h].setdefault("files", [])
                files.extend({"path": d["path"], "size_gb": d.get("size_gb", 0)} for d in vm["disks"])
                model.remove_vm(h, vm["id"])
                self.mutated(ctx)


class RemoveItem(Command):
    """Remove-Item for the files the model knows: virtual hard disks left by Remove-VM. A disk still attached to a
    VM is in use; any other path is not modeled."""
    name = "Remove-Item"
    namespace = "Microsoft.PowerShell.Commands"
    should_process = True
    params = [Param("Path", "string[]", position=0), Param("LiteralPath", "string[]", aliases=("PSPath",)),
              Param("Force", "switch")]

    def process(self, ctx, b):
        hv = ctx.interp.host.hyperv
        paths = b.get("LiteralPath") or b.get("Path") or []
        if hv is None:
            ctx.throw("Remove-Item is modeled only on a simulated Hyper-V host.", "NotModeledBySimulator",
                      "NotImplemented", exc_type="System.NotSupportedException")
        host = hv.site.model.hosts[hv.host_name]
        for path in paths:
            low = path.lower()
            files = host.setdefault("files", [])
            left = [f for f in files if f["path"].lower() != low]
            if len(left) != len(files):
                if ctx.should_process(path, "Remove File"):
                    host["files"] = left
                    hv.site.mark_dirty()
                continue
            if any(d["path"].lower() == low for vm in host["vms"].values() for d in vm["disks"]):
                ctx.error("Cannot remove item %s: The process cannot access the file '%s' because it is being used "
                          "by another process." % (path, path), "RemoveFileSystemItemIOError", "WriteError",
                          exc_type="System.IO.IOException", target=path)
                continue
            ctx.error("Cannot find path '%s' because it does not exist." % path, "PathNotFound", "ObjectNotFound",
                      exc_type="System.Management.Automation.ItemNotFoundException", target=path)


COMMANDS = [GetVM(), StartVM(), StopVM(), RemoveVM(), RemoveItem()]
