"""What every Hyper-V cmdlet shares: -ComputerName resolution, VM operand resolution, the
VirtualizationException error model (reference §9), fault injection and module auto-load."""
from __future__ import annotations

from ..ps import convert as C
from ..ps.commands import Arg, Command, Param
from ..ps.commands import CommandContext, binding_error
from ..ps.errors import ErrorRecord, PSError, PSExceptionObj
from ..ps.values import PSObject
from . import syntax

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
        s = syntax.spec(self.name)
        if s is not None:
            named = bind_by_syntax(self, s, interp, call)
        else:
            named = None
            _positional_vm_to_named(self, call)
        hv = interp.host.hyperv
        if hv is not None:
            hv.site.count_cmdlet(hv.host_name, self.name)
            hv.site.tick()  # time passes inside a script too (polling loops see replication progress)
        if hv is not None and not interp.host.module_loaded:
            interp.host.module_loaded = True
            if interp.preference("ProgressPreference") != "SilentlyContinue":
                interp.host.write_progress("Preparing modules for first use.", " ", True)
        out = super().invoke(interp, call)
        if named is not None and not syntax.writes_output(s, named):
            return []  # the reference documents no output without -Passthru
        return out

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


def _positional_vm_to_named(cmd, call):
    # `Start-VM $vm`: a VirtualMachine object given positionally binds to -VM (its own parameter set)
    switches = {p.name.lower() for p in cmd.all_params() if p.is_switch}
    for i, a in enumerate(call.args):
        prev = call.args[i - 1] if i else None
        if prev is not None and prev.kind == "named" and not prev.has_value and \
                not any(s.startswith(prev.name.lower()) for s in switches):
            continue  # this value belongs to the preceding -Parameter
        if a.kind == "positional":
            vals = a.value if isinstance(a.value, list) else [a.value]
            if vals and all(isinstance(v, PSObject) and VM_T[1] in v.type_names for v in vals) and \
                    any(p.name == "VM" for p in cmd.params):
                call.args[i] = Arg("named", "VM", a.value, has_value=True)
            break


def value_kind(value):
    """The short type name a value binds by ('VirtualMachine', 'String', ...; None when unknown)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        return None
    v = items[0]
    if isinstance(v, PSObject):
        for t in v.type_names:
            for prefix in ("Microsoft.HyperV.PowerShell.", "Microsoft.Vhd.PowerShell."):
                if t.startswith(prefix):
                    return t[len(prefix):]
        return None
    if isinstance(v, str):
        return "String"
    return None


def bind_by_syntax(cmd, s, interp, call):
    """Rewrites call.args to canonical -Name value pairs bound as the real cmdlet binds them (syntax.py); raises the
    real binding error, or NotModeledBySimulator for a real parameter the simulator does not implement. Returns the
    canonical names bound."""
    ctx = CommandContext(interp, cmd, call)
    named, positional, out = [], [], []
    args = list(call.args)
    i = 0
    try:
        while i < len(args):
            a = args[i]
            if a.kind == "positional":
                positional.append(a)
                i += 1
                continue
            name = syntax.match_name(s, a.name)
            if a.has_value or syntax.is_switch(s, name):
                out.append(Arg("named", name, a.value, has_value=a.has_value, text=a.text, splatted=a.splatted))
            else:
                nxt = args[i + 1] if i + 1 < len(args) else None
                if nxt is None or nxt.kind != "positional":
                    out.append(Arg("named", name))  # the cmdlet's own binder reports the missing argument
                else:
                    out.append(Arg("named", name, nxt.value, has_value=True, text=nxt.text))
                    i += 1
            named.append(name)
            i += 1
        kinds = [(value_kind(a.value), a.text if a.text is not None else C.to_str(a.value)) for a in positional]
        piped = call.input is not None
        set_name, pos_names, dummy = syntax.resolve(s, [n for n in named if n not in syntax.COMMON], kinds, piped,
                                                    value_kind(call.input) if piped else None)
    except syntax.BindingProblem as e:
        raise binding_error(ctx, e.error_id, e.message)
    for a, name in zip(positional, pos_names):
        out.append(Arg("named", name, a.value, has_value=True, text=a.text))
    known = set(p.name for p in cmd.all_params())
    for a in out:
        if a.name not in known:
            rec = ErrorRecord(PSExceptionObj("System.NotSupportedException",
                                             "The parameter '-%s' of %s exists in the Hyper-V module but is not "
                                             "modeled by the Hyper-V simulator." % (a.name, cmd.name)),
                              "NotModeledBySimulator,%s" % cmd.fq_class, "NotImplemented",
                              invocation=call.invocation, activity=call.name, target=a.name)
            raise PSError(rec)
    call.args[:] = out
    call.parameter_set = set_name
    return set(a.name for a in out)


def not_modeled(names):
    from ..ps.builtins import NotModeled
    out = []
    for n in names:
        cmd = NotModeled(n, "Microsoft.HyperV.PowerShell.Commands")
        cmd.class_name = n.replace("-", "")  # Hyper-V cmdlet classes carry no "Command" suffix
        out.append(cmd)
    return out


