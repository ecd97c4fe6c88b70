"""What every Hyper-V cmdlet shares: -ComputerName resolution, VM operand resolution, the
VirtualizationException error model (reference §9), fault injection and module auto-load."""
from __future__ import annotations

from ..ps import convert as C
from ..ps.commands import Arg, Command, Param
from ..ps.values import PSObject

CATEGORY = {"InvalidParameter": "InvalidArgument", "InvalidState": "InvalidOperation",
            "InvalidOperation": "InvalidOperation", "OperationFailed": "InvalidOperation",
            "ObjectNotFound": "ObjectNotFound", "NotSupported": "NotImplemented", "AccessDenied": "PermissionDenied"}

VM_T = ("objs", "Microsoft.HyperV.PowerShell.VirtualMachine")
ADAPTER_T = ("objs", "Microsoft.HyperV.PowerShell.VMNetworkAdapter")
REPL_T = ("objs", "Microsoft.HyperV.PowerShell.VMReplication")
SNAPSHOT_T = ("obj", "Microsoft.HyperV.PowerShell.VMSnapshot")
LOCAL_NAMES = {"localhost", ".", "127.0.0.1", "::1"}


def computer_params():
    return [Param("ComputerName", "string[]", aliases=("PSComputerName",), not_empty=True),
            Param("Credential", "object"), Param("CimSession", "object")]


def vm_params(position=0, name="VMName", aliases=("Name",), pipeline_vm=True):
    return [Param(name, "string[]", position=position, aliases=aliases, not_empty=True),
            Param("VM", VM_T, pipeline=pipeline_vm)]


class HyperVCommand(Command):
    namespace = "Microsoft.HyperV.PowerShell.Commands"

    def invoke(self, interp, call):
        # `Start-VM $vm`: a VirtualMachine object given positionally binds to -VM (its own parameter set)
        switches = {p.name.lower() for p in self.all_params() if p.is_switch}
        for i, a in enumerate(call.args):
            prev = call.args[i - 1] if i else None
            if prev is not None and prev.kind == "named" and not prev.has_value and \
                    not any(s.startswith(prev.name.lower()) for s in switches):
                continue  # this value belongs to the preceding -Parameter
            if a.kind == "positional":
                vals = a.value if isinstance(a.value, list) else [a.value]
                if vals and all(isinstance(v, PSObject) and VM_T[1] in v.type_names for v in vals) and \
                        any(p.name == "VM" for p in self.params):
                    call.args[i] = Arg("named", "VM", a.value, has_value=True)
                break
        hv = interp.host.hyperv
        if hv is not None:
            hv.site.count_cmdlet(hv.host_name, self.name)
            hv.site.tick()  # time passes inside a script too (polling loops see replication progress)
        if hv is not None and not interp.host.module_loaded:
            interp.host.module_loaded = True
            if interp.preference("ProgressPreference") != "SilentlyContinue":
                interp.host.write_progress("Preparing modules for first use.", " ", True)
        return super().invoke(interp, call)

    def _checked_process(self, ctx, b):
        hv = ctx.interp.host.hyperv
        fault = hv.site.take_cmdlet_fault(hv.host_name, self.name) if hv is not None else None
        if fault is not None:
            err = fault.get("error_id", "OperationFailed")
            ctx.error(fault.get("message") or "Injected fault: %s failed." % self.name, err,
                      fault.get("category") or CATEGORY.get(err, "InvalidOperation"))
            return
        if "CimSession" in b:
            ctx.throw("-CimSession is not modeled by the Hyper-V simulator.", "NotModeledBySimulator",
                      "NotImplemented", exc_type="System.NotSupportedException")
        super()._checked_process(ctx, b)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def hv(ctx):
        return ctx.interp.host.hyperv

    def model(self, ctx):
        return self.hv(ctx).site.model

    def now(self, ctx):
        return self.hv(ctx).site.clock.now()

    def fail(self, ctx, error_id, message, target=None, category=None, target_name=None, target_type=None):
        ctx.error(message, error_id, category or CATEGORY.get(error_id, "InvalidOperation"), target=target,
                  target_name=target_name, target_type=target_type)

    def target_hosts(self, ctx, b):
        """Hosts addressed by -ComputerName (default: the host this WinRM session runs on)."""
        hv = self.hv(ctx)
        names = b.get("ComputerName")
        if not names:
            return [hv.host_name]
        out = []
        model = self.model(ctx)
        for n in names:
            if n.lower() in LOCAL_NAMES:
                out.append(hv.host_name)
                continue
            canon = model.resolve_host(n)
            if canon == hv.host_name:
                out.append(canon)
                continue
            if canon is None or not hv.can_delegate:
                # unknown host, or an NTLM/Kerberos session that cannot hop to a second computer
                ctx.error("Hyper-V encountered an error trying to access an object on computer '%s' because the "
                          "object was not found. The object might have been deleted, or you might not have "
                          "permission to perform the task. Verify that the Virtual Machine Management service on "
                          "the computer is running. If the service is running, try to perform the task again by "
                          "using Run as Administrator." % n, "ObjectNotFound", "ObjectNotFound",
                          target_name="", target_type="")
                continue
            out.append(canon)
        return out

    def resolve_vms(self, ctx, b, host, name_param="VMName", include_tests=True, by_id=None):
        """VMs named by -VM objects, -VMName (wildcards) or -Id; errors for names that match nothing."""
        model = self.model(ctx)
        found = []
        vms_arg = b.get("VM")
        if vms_arg:
            for obj in vms_arg:
                ref = obj.hidden
                vm = model.vm(ref.get("host"), ref.get("vm_id")) if ref.get("host") in model.hosts else None
                if vm is None:
                    self.fail(ctx, "ObjectNotFound", "The virtual machine '%s' was not found or was deleted."
                              % obj.props.get("Name"), target=obj)
                    continue
                found.append((ref["host"], vm))
            return found
        vmr = b.get("VMReplication")
        if vmr:
            for obj in vmr:
                ref = obj.hidden
                vm = model.vm(ref.get("host"), ref.get("vm_id")) if ref.get("host") in model.hosts else None
                if vm is not None:
                    found.append((ref["host"], vm))
            return found
        if by_id is not None:
            for gid in by_id:
                vm = model.vm(host, str(gid))
                if vm is None:
                    self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual machine with id "%s".'
                              % gid, target=str(gid))
                else:
                    found.append((host, vm))
            return found
        names = b.get(name_param)
        all_vms = model.vms(host)
        if not names:
            return [(host, v) for v in sorted(all_vms, key=lambda v: v["name"].lower())
                    if include_tests or not v.get("test_of")]
        for n in names:
            if C.has_wildcard(n):
                found.extend((host, v) for v in sorted(all_vms, key=lambda v: v["name"].lower())
                             if C.wildcard_match(n, v["name"]))
                continue
            matches = [v for v in all_vms if v["name"].lower() == n.lower()]
            if not matches:
                self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual machine with name "%s".' % n,
                          target=n)
            found.extend((host, v) for v in matches)
        return found

    def mutated(self, ctx):
        self.hv(ctx).site.mark_dirty()

    def projector(self, ctx):
        return self.hv(ctx).projector


def not_modeled(names):
    from ..ps.builtins import NotModeled
    out = []
    for n in names:
        cmd = NotModeled(n, "Microsoft.HyperV.PowerShell.Commands")
        cmd.class_name = n.replace("-", "")  # Hyper-V cmdlet classes carry no "Command" suffix
        out.append(cmd)
    return out


